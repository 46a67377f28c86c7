export * from './context-kind.interface.js';
export * from './contexts.js';
export * from './http.context.js';
export * from './graphql.context.js';
export * from './ws.context.js';
export * from './rpc.context.js';
