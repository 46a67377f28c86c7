export * from './rate-limit-auth.interface.js';
export * from './client-ip.auth.js';
