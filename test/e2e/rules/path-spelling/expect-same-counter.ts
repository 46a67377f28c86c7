import { rawGet } from '../../../support/raw-request.js';

let users = 0;
/** A caller no other check has used (for `headerAuth`). */
const freshCaller = () => ({ 'x-user': `speller-${users++}` });

/**
 * Checks that `spelling` of a limited path, when it reaches the handler at all (else 404), counts
 * on the same counter as the `plain` spelling: in both orders, the second request is a 429.
 * Resolves to whether the spelling reached the handler.
 */
export async function expectSameCounter(url: string, plain: string, spelling: string): Promise<boolean> {
  const first = freshCaller();
  expect((await rawGet(url, plain, first)).status).toBe(200);
  expect([404, 429]).toContain((await rawGet(url, spelling, first)).status);

  const second = freshCaller();
  const before = (await rawGet(url, spelling, second)).status;
  expect([200, 404]).toContain(before);
  if (before === 404) return false;
  expect((await rawGet(url, plain, second)).status).toBe(429);
  return true;
}
