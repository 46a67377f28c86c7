import { createHash } from 'node:crypto';
import { WINDOW_ALGORITHMS } from '../algorithms/algorithms.js';
import type { BlockScope, LimitCheck } from './rate-limit-storage.interface.js';
import { carryOverLua, COMMIT_LUA, earlierFields, indentLua, recordLua } from './redis.script.js';

/** A Lua script written for one limit plan, with the SHA1 that EVALSHA names it by. */
export interface PlanScript {
  readonly text: string;
  readonly sha: string;
}

/** Plans with more limits or blocks than this use the generic script (a plan script unrolls them). */
export const PLAN_SCRIPT_MAX_ENTRIES = 32;

/**
 * A Lua string literal of `text` as the Redis client would send it: its UTF-8 bytes (a lone
 * surrogate becomes U+FFFD, as in every client), each byte outside a safe ASCII set as `\ddd`.
 * So a field named in a plan script is the same field the generic script is given as an argument.
 */
export function luaString(text: string): string {
  let out = "'";
  for (const byte of Buffer.from(text, 'utf8')) {
    out += SAFE_BYTE.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}'`;
}

/** Bytes written as they are in a Lua string literal: letters, digits and `:._#/-`. */
const SAFE_BYTE = /^[0-9A-Za-z:._#/-]$/;

/**
 * The script of one plan (`limits` and `blocks` of a `ConsumeRequest`): the same decisions, state
 * and reply as the generic `CONSUME_SCRIPT` (see it for the layout of the identity hash and the
 * reply), with the plan's numbers and field names written into the code and its loops unrolled, so
 * that Redis parses no argument and builds no string per call. Redis CPU per call falls from about
 * 1.7x the commands' own cost (the generic script, fixed window or GCRA) to about 1.2x
 * (bench/RESULTS.md, "Redis CPU per call").
 *
 * Arguments: none in production (time from Redis `TIME`, every cost 1). Otherwise ARGV[1] = `now` in
 * ms (0 = Redis `TIME`), ARGV[2] = peek (1/0), ARGV[3] = ms added to PEXPIRE, then the cost of each
 * limit (all or none).
 */
export function planScript(limits: readonly LimitCheck[], blocks: readonly BlockScope[]): PlanScript {
  const text = planScriptText(limits, blocks);
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

function planScriptText(limits: readonly LimitCheck[], blocks: readonly BlockScope[]): string {
  const L = limits.length;
  const B = blocks.length;
  /** Index in the HMGET reply of limit i's field (1-based i): `""` is 1, then k#s of each limit, then the blocks. */
  const state = (i: number) => 1 + i;
  const block = (j: number) => 1 + L + j;
  const cost = (i: number) => `c${i}`;
  const costs = limits.map((_, k) => cost(k + 1)).join(', ');
  const each = <T>(list: readonly T[], lua: (item: T, n: number) => string) =>
    list.map((item, k) => lua(item, k + 1)).join('\n');
  /** Blocks whose duration can block: a limit of theirs that is enforced (not shadow). */
  const blocking = blocks.map(
    (scope, k) => scope.durationMs > 0 && limits.some((limit) => limit.block === k && limit.shadow !== true),
  );

  return `
local key, now, peek, slack = KEYS[1], 0, 0, 0
local ${costs} = ${limits.map(() => '1').join(', ')}
if #ARGV > 0 then
  now, peek, slack = ARGV[1] + 0, ARGV[2] + 0, ARGV[3] + 0
  if #ARGV > 3 then ${costs} = ${limits.map((_, k) => `ARGV[${4 + k}] + 0`).join(', ')} end
end
if now == 0 then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
end
local values = redis.call('HMGET', key, '', ${[
    ...limits.map((limit) => luaString(`${limit.key}#s`)),
    ...blocks.map((scope) => luaString(scope.key)),
  ].join(', ')})

-- 1. A standing block in any scope rejects the request; nothing is read or counted.
local wait = 0
${each(blocks, (_, j) => `if values[${block(j)}] and values[${block(j)}] - now > wait then wait = values[${block(j)}] - now end`)}
if wait > 0 then
  local left = {}
  for j = 1, ${B} do
    local u = tonumber(values[${1 + L} + j]) or 0
    if u > now then left[j] = u - now else left[j] = 0 end
  end
  local r = { 0, 1, wait }
${each(limits, (limit, i) => `  if left[${limit.block + 1}] > 0 then r[${2 * i + 2}], r[${2 * i + 3}] = 0, -left[${limit.block + 1}] else r[${2 * i + 2}], r[${2 * i + 3}] = -1, 0 end`)}
  for j = 1, ${B} do r[${2 * L + 3} + j] = left[j] end
  return struct.pack('<${'d'.repeat(3 + 2 * L + B)}', unpack(r, 1, ${3 + 2 * L + B}))
end

-- 2. A counter without its field k#s may have its state in an earlier version's fields: carried
-- over, and its old fields deleted when its new field is written.
local upgraded, dels
if ${limits.map((_, k) => `not values[${state(k + 1)}]`).join(' or ')} then
  local old = redis.call('HMGET', key, ${limits.flatMap((limit) => earlierFields(limit.key).map(luaString)).join(', ')})
${each(
  limits,
  (limit, i) => `  if not values[${state(i)}] then
    local v1, v2, v, s = old[${3 * i - 2}], old[${3 * i - 1}], old[${3 * i}], nil
    ${indentLua(
      carryOverLua(
        WINDOW_ALGORITHMS[limit.algorithm].luaUpgrade,
        WINDOW_ALGORITHMS[limit.algorithm].luaPack,
        `values[${state(i)}]`,
        String(i),
      ),
      '    ',
    )}
  end`,
)}
end

-- 3. Check every limit and prepare the writes of each that admits; shadow limits never reject.
local r = { 1, 0, 0${', 0, 0'.repeat(L)} }
local writes = { ${Array.from({ length: 2 * (L + B + 1) }, () => '0').join(', ')} }
local nw, expires, allowed, retryAfter = 0, 0, true, 0
${each(
  limits,
  (limit, i) => `do
  local limit, window, cost = ${limit.limit}, ${limit.windowMs}, ${cost(i)}
  local s = values[${state(i)}]${limit.algorithm === 'sliding-window' ? `\n  local field, more, gone = ${luaString(`${limit.key}#s`)}, nil, nil` : ''}
  local ok, rem, reset, retry, n, exp = false, 0, window, window, nil, 0
  if limit > 0 and cost <= limit then
    ${indentLua(WINDOW_ALGORITHMS[limit.algorithm].lua, '    ')}
  end
  if ok then
    r[${2 * i + 2}], r[${2 * i + 3}] = rem, reset
    if cost > 0 then
      ${indentLua(recordLua(luaString(`${limit.key}#s`), String(i), limit.algorithm === 'sliding-window'), '      ')}
    end
  else
    r[${2 * i + 2}], r[${2 * i + 3}] = rem, -retry${
      limit.shadow === true
        ? ''
        : `
    allowed = false
    if retry > retryAfter then retryAfter = retry end`
    }
  end
end`,
)}

-- 4. Rejected: nothing is counted; each rejecting limit with a block time blocks its scope.
if not allowed then
  r[1], r[3], nw, expires, dels = 0, retryAfter, 0, 0, nil
${each(limits, (_, i) => `  if r[${2 * i + 3}] > 0 then r[${2 * i + 2}] = r[${2 * i + 2}] + ${cost(i)} end`)}${
    blocking.includes(true)
      ? `
  if peek == 0 then
${each(blocks, (scope, j) => {
  if (!blocking[j - 1]) return `    local b${j} = false`;
  const rejecting = limits
    .map((limit, k) => (limit.block === j - 1 && limit.shadow !== true ? `r[${2 * k + 5}] < 0` : ''))
    .filter((test) => test !== '');
  return `    local b${j} = ${rejecting.join(' or ')}
    if b${j} then
      writes[nw + 1], writes[nw + 2], nw = ${luaString(scope.key)}, now + ${scope.durationMs}, nw + 2
      if now + ${scope.durationMs} > expires then expires = now + ${scope.durationMs} end
      if ${scope.durationMs} > r[3] then r[3] = ${scope.durationMs} end
      r[2] = 1
    end`;
})}
    if r[2] == 1 then
${limits
  .flatMap((limit, k) =>
    blocking[limit.block]
      ? [
          `      if b${limit.block + 1} then r[${2 * k + 4}], r[${2 * k + 5}] = 0, -${blocks[limit.block].durationMs} end`,
        ]
      : [],
  )
  .join('\n')}
${each(blocks, (scope, j) => (blocking[j - 1] ? `      if b${j} then r[${2 * L + 3 + j}] = ${scope.durationMs} else r[${2 * L + 3 + j}] = 0 end` : `      r[${2 * L + 3 + j}] = 0`))}
    end
  end`
      : ''
  }
end

-- 5. Commit.
${COMMIT_LUA}
if r[2] == 1 then return struct.pack('<${'d'.repeat(3 + 2 * L + B)}', unpack(r, 1, ${3 + 2 * L + B})) end
return struct.pack('<${'d'.repeat(3 + 2 * L)}', unpack(r, 1, ${3 + 2 * L}))
`;
}
