export * from './keys.js';
export * from './maybe-promise.js';
export * from './normalize-path.js';
