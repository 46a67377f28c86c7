export * from './rate-limit-auth.interface.js';
export * from './identity.js';
export * from './identify.js';
export * from './client-ip.auth.js';
export * from './jwt.auth.js';
export * from './session.auth.js';
