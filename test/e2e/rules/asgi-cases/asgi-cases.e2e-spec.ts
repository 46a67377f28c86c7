import { describeAsgiCases } from './asgi-cases.js';

describeAsgiCases('MemoryStorage');
