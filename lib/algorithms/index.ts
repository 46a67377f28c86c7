export * from './algorithm.interface.js';
export * from './algorithms.js';
export { fixedWindow } from './fixed-window.algorithm.js';
export { gcra } from './gcra.algorithm.js';
export { slidingWindow } from './sliding-window.algorithm.js';
