export * from './rate-limit.decorator.js';
export * from './skip-rate-limit.decorator.js';
