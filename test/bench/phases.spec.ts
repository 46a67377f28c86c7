import { summarisePhases } from '../../bench/profile/phases.js';

describe('summarisePhases', () => {
  it('takes each stage minus the reference in the same cycle, past the warm-up cycles and short phases', () => {
    // The machine's speed drifts from cycle to cycle; stage b always costs 2 µs per request more than a.
    const drift = [50, 90, 10, 30, 70, 20, 40];
    const record = {
      variant: 'phases',
      platform: 'fastify',
      phaseMs: 40,
      samples: {
        a: drift.map((us) => ({ cpu: us * 100, requests: 100 })),
        b: drift.map((us, cycle) => ({ cpu: (us + 2) * 100, requests: cycle === 3 ? 5 : 100 })),
      },
      gcMs: { a: 0.7, b: 1.4 },
    };
    const [a, b] = summarisePhases(record);
    expect(a).toMatchObject({ stage: 'a', cycles: 5, diffUs: 0 });
    expect(b).toMatchObject({ stage: 'b', cycles: 4, diffUs: 2, diffQ1: 2, diffQ3: 2 });
    expect(b.medianUs).toBe(22); // the lower median of 12, 22, 42, 72 (the cycle with 5 requests left out)
    expect(b.gcUsPerRequest).toBeCloseTo(1400 / 605);
    expect(summarisePhases(record, 'b')[0].diffUs).toBe(-2);
  });
});
