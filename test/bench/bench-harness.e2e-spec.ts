import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PLATFORM_NAMES, VARIANT_NAMES } from '../../bench/variants/variants.js';

const run = promisify(execFile);

/**
 * CI runs the benchmark harness in quick mode only to check that it works: every variant runs on
 * both adapters in every scenario and produces numbers. No thresholds: timings are not asserted.
 */
describe('npm run bench -- --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs every variant, scenario and adapter and writes RESULTS.md, ratios.svg and results.json', async () => {
    // Two rounds: every variant process is started anew for the second one.
    const flags = ['--quick', '--rounds', '2', '--duration', '0.3', '--warmup', '0', '--out', out];
    await run('npm', ['run', 'bench', '--', ...flags], {
      maxBuffer: 16 * 2 ** 20,
      timeout: 170_000,
    });

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.summaries).toHaveLength(PLATFORM_NAMES.length * 3 * VARIANT_NAMES.length);
    for (const summary of results.summaries) {
      const where = `${summary.variant} on ${summary.platform}, ${summary.scenario}`;
      expect({ where, unavailable: summary.unavailable, rounds: summary.rounds }).toEqual({
        where,
        unavailable: undefined,
        rounds: 2,
      });
      expect({ where, rps: summary.rps > 0, ratio: summary.ratio > 0 }).toEqual({ where, rps: true, ratio: true });
      expect({ where, unexpected: summary.unexpected }).toEqual({ where, unexpected: 0 });
      if (summary.variant.endsWith('redis')) {
        expect({ where, redis: summary.redisSentPerRequest >= 0 }).toEqual({ where, redis: true });
      }
    }
    for (const key of [
      'storageHotNs',
      'storageKeysNs',
      'serviceHotNs',
      'serviceKeysNs',
      'bytesPerKeyLimit',
      'bytesPerIdentity',
    ]) {
      expect(results.micro[key]).toBeGreaterThan(0);
    }
    const markdown = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    expect(markdown).toContain('npm run bench -- --quick --rounds 2');
    expect(markdown).toContain('## Targets (measured, never asserted)');
    expect(readFileSync(join(out, 'ratios.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(existsSync(join(out, 'ratios.svg'))).toBe(true);
  }, 180_000);
});
