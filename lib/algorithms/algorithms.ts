import type { Algorithm, WindowAlgorithm } from './algorithm.interface.js';
import { fixedWindow } from './fixed-window.algorithm.js';
import { gcra } from './gcra.algorithm.js';
import { slidingWindow } from './sliding-window.algorithm.js';

/** Every algorithm by name, for storages that run them in process. */
export const WINDOW_ALGORITHMS: Readonly<Record<Algorithm, WindowAlgorithm<any>>> = {
  'fixed-window': fixedWindow,
  'sliding-window': slidingWindow,
  gcra,
};

/** The algorithm names accepted in options and rules. */
export const ALGORITHMS = Object.keys(WINDOW_ALGORITHMS) as readonly Algorithm[];
