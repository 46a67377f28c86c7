export * from './rule.interface.js';
export * from './rule-compiler.js';
export * from './rule-list.js';
export * from './pattern-rules.js';
