export * from './rule.interface.js';
export * from './periods.js';
export * from './rule-compiler.js';
export * from './rule-list.js';
export * from './pattern-rules.js';
export * from './route-rules.js';
export * from './limit-plan.js';
export * from './rate-limit-info.interface.js';
