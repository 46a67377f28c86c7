export * from './keys.js';
export * from './normalize-path.js';
export * from './rate-limit-headers.js';
