export * from './empty-information.error.js';
export * from './invalid-rate-limit-config.error.js';
export * from './rate-limit-exceeded.exception.js';
export * from './rate-limit-graphql.error.js';
