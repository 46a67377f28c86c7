import type { Response } from 'supertest';
import type { FakeClock } from '../../../support/app.js';

/** A GET of `path` as `user` (in `group`) on the app under test. */
export type GetAs = (path: string, user: string, group?: string) => PromiseLike<Response>;

/**
 * asgi-ratelimit cases whose outcome is the same under every algorithm, for the suites that run
 * them per storage (`asgi-cases.ts`) and per algorithm (`test/algorithms-e2e`).
 */
export const baseCases = {
  /** `'^/minute_limit' [{minute:1}]`: one hit per minute, Retry-After counting down to the end. */
  async minuteLimit(get: GetAs, clock: FakeClock): Promise<void> {
    expect((await get('/minute_limit', 'min')).status).toBe(200);
    expect((await get('/minute_limit', 'min')).headers['retry-after']).toBe('60');
    clock.advanceSeconds(59);
    const late = await get('/minute_limit', 'min');
    expect(late.status).toBe(429);
    expect(late.headers['retry-after']).toBe('1');
    clock.advanceSeconds(1);
    expect((await get('/minute_limit', 'min')).status).toBe(200);
  },

  /** `{group:'admin'}` without limits on both patterns: admins are unlimited and get no headers. */
  async adminsUnlimited(get: GetAs): Promise<void> {
    for (let i = 0; i < 5; i++) {
      for (const path of ['/second_limit', '/minute_limit']) {
        const response = await get(path, 'boss', 'admin');
        expect(response.status).toBe(200);
        expect(response.headers['ratelimit']).toBeUndefined();
      }
    }
  },
};
