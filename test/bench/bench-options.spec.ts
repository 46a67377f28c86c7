import { parseOptions } from '../../bench/harness/bench.options.js';

describe('bench options', () => {
  it('starts the variant processes anew every round unless told otherwise', () => {
    expect(parseOptions([])).toMatchObject({ rounds: 6, duration: 2.5, freshProcesses: true });
    expect(parseOptions(['--same-processes']).freshProcesses).toBe(false);
    expect(parseOptions(['--profile']).freshProcesses).toBe(false); // one CPU profile per variant
    expect(parseOptions(['--quick'])).toMatchObject({ rounds: 1, freshProcesses: true });
  });
});
