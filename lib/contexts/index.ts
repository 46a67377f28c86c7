export * from './context-kind.interface.js';
export * from './contexts.js';
export * from './http.context.js';
