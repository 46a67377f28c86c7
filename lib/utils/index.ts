export * from './describe-value.js';
export * from './keys.js';
export * from './maybe-promise.js';
export * from './normalize-path.js';
export * from './identity-keys.js';
