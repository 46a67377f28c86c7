import { createHash } from 'node:crypto';
import type { Algorithm } from '../algorithms/algorithm.interface.js';
import { WINDOW_ALGORITHMS } from '../algorithms/algorithms.js';

/** The algorithms of the script, in the order of their ids (1-based) in its argument. */
export const SCRIPT_ALGORITHMS: readonly Algorithm[] = ['fixed-window', 'gcra', 'sliding-window'];

/** The fields in which earlier versions kept counter `key`: 0.1's two (`k#1`, `k#2`), then the first version's one. */
export const earlierFields = (key: string): string[] => [`${key}#1`, `${key}#2`, key];

/** `lua` trimmed, its lines after the first indented by `by` (for a fragment placed after `by`). */
export const indentLua = (lua: string, by: string): string => lua.trim().replace(/\n/g, `\n${by}`);

/**
 * `if algorithm == 1 then <lua of the first> elseif ... end`, the Lua of `part` of each algorithm
 * that has one.
 */
const dispatch = (part: 'lua' | 'luaUpgrade' | 'luaPack' | 'luaUnpack' | 'luaFlatten', by: string) =>
  SCRIPT_ALGORITHMS.map((name, i) => [i + 1, WINDOW_ALGORITHMS[name][part]] as const)
    .filter(([, lua]) => lua !== undefined)
    .map(([id, lua], k) => `${k === 0 ? 'if' : 'elseif'} algorithm == ${id} then\n${by}  ${indentLua(lua!, `${by}  `)}`)
    .join(`\n${by}`) + `\n${by}end`;

/**
 * Lua of both scripts, for limit `index` whose field `k#s` is missing: the earlier version's state
 * read (`v1`, `v2` of 0.1's two fields, `v` of the first version's text field) into `s` with the
 * algorithm's `luaUpgrade` and `luaPack` (the Lua given, or a dispatch), put in `values[state]`, and
 * `upgraded[index]` set so that the old fields are deleted when the new one is written.
 */
export const carryOverLua = (
  upgrade: string,
  pack: string,
  state: string,
  index: string,
): string => `if not v1 and v then
  ${indentLua(upgrade, '  ')}
end
if v1 and v2 then
  ${indentLua(pack, '  ')}
  ${state} = s
  upgraded = upgraded or {}
  upgraded[${index}] = true
end`;

/**
 * Lua of both scripts, for limit `index` that admits with a cost: its field `field` (a Lua
 * expression) written with the fragment's `n`; `expires` raised to its `exp`; for a sliding window
 * (`chunks`), the chunk it sealed (`more`) and the chunks it consumed (`gone`); for a carried-over
 * counter, its old fields deleted.
 */
export const recordLua = (
  field: string,
  index: string,
  chunks: boolean,
): string => `writes[nw + 1], writes[nw + 2], nw = ${field}, n, nw + 2
if exp > expires then expires = exp end${
  chunks
    ? `
if more then writes[nw + 1], writes[nw + 2], nw = more[1], more[2], nw + 2 end
if gone then
  dels = dels or {}
  for m = 1, #gone do dels[#dels + 1] = gone[m] end
end`
    : ''
}
if upgraded and upgraded[${index}] then
  local k = string.sub(${field}, 1, -3)
  dels = dels or {}
  dels[#dels + 1], dels[#dels + 2], dels[#dels + 3] = k .. '#1', k .. '#2', k
end`;

/**
 * The last step of both scripts (this one and each plan's): write `writes[1..nw]` (field, value
 * pairs) and delete `dels`, unless peeking. The TTL is extended (with a quarter of its length, at
 * least 1 s, to spare, so not at every call) only past the time the hash's TTL is known to cover
 * (the field `""`), to `expires` (ms timestamp) plus `slack` ms.
 */
export const COMMIT_LUA = `if peek == 0 and nw > 0 then
  if expires > (values[1] or 0) + 0 then
    local keep = expires + math.max(1000, math.floor((expires - now) / 4))
    writes[nw + 1], writes[nw + 2], nw = '', keep, nw + 2
    redis.call('HSET', key, unpack(writes, 1, nw))
    local ttl = keep - now + slack
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  else
    redis.call('HSET', key, unpack(writes, 1, nw))
  end
  if dels then redis.call('HDEL', key, unpack(dels)) end
end`;

/** Step 2 of the generic script: a counter without its field `k#s` is looked for in an earlier version's fields. */
const UPGRADE_READ = `-- 2. A counter without its field k#s may have its state in an earlier version's fields: carried
-- over, and its old fields deleted when its new field is written.
local upgraded, dels, names, nN = nil, nil, {}, 0
for i = 1, nL do
  if not values[1 + i] then
    local k = string.sub(ARGV[2 + i], 1, -3)
    names[nN + 1], names[nN + 2], names[nN + 3], nN = k .. '#1', k .. '#2', k, nN + 3
  end
end
if nN > 0 then
  local old = redis.call('HMGET', key, unpack(names, 1, nN))
  local o = 0
  for i = 1, nL do
    if not values[1 + i] then
      local v1, v2, v, s = old[o + 1], old[o + 2], old[o + 3], nil
      local algorithm = a[5 * i + 1]
      o = o + 3
      ${indentLua(carryOverLua(dispatch('luaUpgrade', ''), dispatch('luaPack', ''), 'values[1 + i]', 'i'), '      ')}
    end
  end
end

`;

/**
 * Step 2 of the generic script compatible with 0.1 (`RedisStorage({ compatibleWith: '0.1' })`):
 * every counter is read from 0.1's fields first; a state of this version is flattened (the sliding
 * window's chunks read in), to be written as 0.1's fields.
 */
const COMPATIBLE_READ = `-- 2. Compatible with 0.1 (a rolling upgrade): every counter's 0.1 fields (read with the others:
-- ARGV ends with k#1, k#2 and k of each counter) are looked at first, and where they hold a state it
-- is the newest (0.1 writes only those); else the state is this version's, its chunks read in. It is
-- written as 0.1's fields; the fields it was read from go (drop[i]).
local upgraded, dels, drop = nil, nil, nil
local o = 1 + nL + nB
for i = 1, nL do
  local v1, v2, v, s = values[o + 1], values[o + 2], values[o + 3], nil
  local algorithm, mine, field, gone = a[5 * i + 1], values[1 + i], ARGV[2 + i], nil
  if v and not v1 then gone = { ARGV[o + 4] } end
  o = o + 3
  ${indentLua(carryOverLua(dispatch('luaUpgrade', ''), dispatch('luaPack', ''), 'values[1 + i]', 'i'), '  ')}
  if mine and not (upgraded and upgraded[i]) then
    s = mine
    ${indentLua(dispatch('luaFlatten', ''), '    ')}
    values[1 + i] = s
  end
  if mine then
    gone = gone or {}
    gone[#gone + 1] = field
  end
  if gone then
    drop = drop or {}
    drop[i] = gone
  end
end

`;

/**
 * The writes of limit `i` that admits with a cost, in the generic script compatible with 0.1: its
 * state as 0.1's two fields (`k#1`, `k#2`); the other fields it was read from (this version's
 * field and chunks, the first version's text field) deleted.
 */
const RECORD_COMPATIBLE = `local k, algorithm, v1, v2 = string.sub(field, 1, -3), a[p + 1], nil, nil
${dispatch('luaUnpack', '')}
writes[nw + 1], writes[nw + 2], writes[nw + 3], writes[nw + 4], nw = k .. '#1', v1, k .. '#2', v2, nw + 4
if exp > expires then expires = exp end
if drop and drop[i] then
  dels = dels or {}
  for m = 1, #drop[i] do dels[#dels + 1] = drop[i][m] end
end`;

/**
 * The generic Lua script behind `RedisStorage`: one call answers a whole `ConsumeRequest`
 * atomically, making the same decisions as `MemoryStorage`. Each algorithm's Lua lives next to its
 * TypeScript (`WindowAlgorithm.lua` in `lib/algorithms/<name>.algorithm.ts`); this file only
 * assembles them. Most plans run a script of their own instead (`redis.plan-script.ts`: the same
 * decisions on the same state, with the plan written into the code); this one takes the plan as
 * arguments, for any plan.
 *
 * Layout: all state of one identity is ONE Redis hash, `KEYS[1]` = the identity key (e.g.
 * `ratelimit:{alice}`, whose `{...}` hash tag pins it to one Cluster slot). A counter `k` of
 * `ConsumeRequest` (relative to the identity key) is one field, `k#s`, holding its numbers as
 * little-endian doubles (`struct.pack`; see each algorithm; a long sliding-window log keeps part of
 * its pairs in chunk fields `k#c<n>`); a block `k` is the field `k` holding its
 * end (ms timestamp). The field `""` holds the ms timestamp until which the hash's TTL is known to
 * cover every state. The hash expires when its last state is dead, and `reset` is one DEL.
 *
 * Upgrade: earlier versions kept a counter as two fields holding numbers as text, `k#1` and `k#2`
 * (0.1), or as one text field `k` (`<count> <resetAt>`, `<tat> <rest>`, `<total> <at> <count> ...`;
 * before). A counter without its field `k#s` is looked for in those (one more HMGET, so only on the
 * first hit of a counter); what is found is carried over, and the old fields are deleted when the new
 * one is written: an upgrade forgets no hit. Blocks and `""` are the same in every version.
 * `compatible`: for a rolling upgrade, where instances of 0.1 still count in the same hashes, every
 * counter is read from 0.1's fields first (the newest state when present) and written there only,
 * this version's field deleted (`COMPATIBLE_READ`, `RECORD_COMPATIBLE`).
 *
 * Arguments (for the interpreter's cost and the client's: numbers decoded in C by cjson, strings
 * passed as they are, nothing parsed in Lua):
 * - ARGV[1]: a JSON array of numbers `[now, peek, ttlSlack, L, B, (algorithm, limit, windowMs, block,
 *   shadow) x L, durationMs x B, (cost x L)]`: `now` in ms (0 = Redis `TIME`), `peek` and `shadow`
 *   1/0, `ttlSlack` ms added to PEXPIRE, `algorithm` a 1-based index into `SCRIPT_ALGORITHMS`,
 *   `block` a 1-based index into the blocks; without costs, every cost is 1.
 * - ARGV[2..]: the field `""`, the field `k#s` of each of the L counters, the B block fields (the
 *   HMGET arguments); `compatible`: then `k#1`, `k#2` and `k` of each counter.
 *
 * Reply: one string of little-endian doubles (packed by `struct` in C: cheaper for Redis than an
 * array reply, and for the client to read): allowed (1/0), blocked (1/0), retryAfterMs, then per
 * limit `remaining` and `resetMs` when it admits, or `-retryAfterMs` (which is also its resetMs) when
 * it rejects; `remaining` -1 for a limit left unread (unknown); when blocked, B x (ms left of that
 * scope's block).
 */
function consumeScript(compatible: boolean): string {
  return `
local a = cjson.decode(ARGV[1])
local now, peek, slack, nL, nB = a[1], a[2], a[3], a[4], a[5]
if now == 0 then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
end
local key = KEYS[1]
local values = redis.call('HMGET', key, unpack(ARGV, 2))
local pB = 5 + 5 * nL
local pC = pB + nB
-- There are costs when more numbers follow the blocks.
if #a == pC then pC = nil end
local bV = 1 + nL

-- 1. A standing block in any scope of the request rejects it; nothing is read or counted. The
-- limits of a blocked scope report the block's end, the others are unknown (remaining -1).
local wait = 0
for j = 1, nB do
  local u = values[bV + j]
  if u and u - now > wait then wait = u - now end
end
if wait > 0 then
  local left = {}
  for j = 1, nB do
    local u = tonumber(values[bV + j]) or 0
    if u > now then left[j] = u - now else left[j] = 0 end
  end
  local r = { 0, 1, wait }
  for i = 1, nL do
    local l = left[a[5 * i + 4]]
    if l > 0 then r[2 * i + 2], r[2 * i + 3] = 0, -l else r[2 * i + 2], r[2 * i + 3] = -1, 0 end
  end
  for j = 1, nB do r[2 * nL + 3 + j] = left[j] end
  return struct.pack('<' .. string.rep('d', 3 + 2 * nL + nB), unpack(r, 1, 3 + 2 * nL + nB))
end

${compatible ? COMPATIBLE_READ : UPGRADE_READ}-- 3. Check every limit (a[5i+1..5i+5] = algorithm, limit, window, block, shadow) and prepare the
-- writes of each that admits (its field, and the chunk fields a sliding window writes or deletes);
-- shadow limits never reject.
local r = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
local writes = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
local nw, expires, allowed, retryAfter = 0, 0, true, 0
for i = 1, nL do
  local p = 5 * i
  local limit, window, cost = a[p + 2], a[p + 3], pC and a[pC + i] or 1
  local s, field = values[1 + i], ARGV[2 + i]
  local ok, rem, reset, retry, n, exp, more, gone = false, 0, window, window, nil, 0, nil, nil
  if limit > 0 and cost <= limit then
    local algorithm = a[p + 1]
    ${dispatch('lua', '    ')}
  end
  if ok then r[2 * i + 2], r[2 * i + 3] = rem, reset else r[2 * i + 2], r[2 * i + 3] = rem, -retry end
  if ok then
    if cost > 0 then
      ${indentLua(compatible ? RECORD_COMPATIBLE : recordLua('field', 'i', true), '      ')}
    end
  elseif a[p + 5] == 0 then
    allowed = false
    if retry > retryAfter then retryAfter = retry end
  end
end

-- 4. Rejected: nothing is counted (the limits that admitted keep the cost in their remaining);
-- each rejecting limit with a block time blocks its scope, whose limits then report the block.
if not allowed then
  r[1], r[3], nw, expires, dels = 0, retryAfter, 0, 0, nil
  for i = 1, nL do
    if r[2 * i + 3] > 0 then r[2 * i + 2] = r[2 * i + 2] + (pC and a[pC + i] or 1) end
  end
  if peek == 0 then
    local blocked = {}
    for i = 1, nL do
      local j = a[5 * i + 4]
      local d = a[pB + j]
      if r[2 * i + 3] < 0 and a[5 * i + 5] == 0 and d > 0 and not blocked[j] then
        blocked[j] = true
        writes[nw + 1], writes[nw + 2], nw = ARGV[2 + nL + j], now + d, nw + 2
        if now + d > expires then expires = now + d end
        if d > r[3] then r[3] = d end
        r[2] = 1
      end
    end
    if r[2] == 1 then
      for i = 1, nL do
        local j = a[5 * i + 4]
        if blocked[j] then r[2 * i + 2], r[2 * i + 3] = 0, -a[pB + j] end
      end
      for j = 1, nB do if blocked[j] then r[2 * nL + 3 + j] = a[pB + j] else r[2 * nL + 3 + j] = 0 end end
    end
  end
end

-- 5. Commit.
${COMMIT_LUA}
-- The reply: its numbers as little-endian doubles (the block times only when blocked).
local nR = 3 + 2 * nL
if r[2] == 1 then nR = nR + nB end
return struct.pack('<' .. string.rep('d', nR), unpack(r, 1, nR))
`;
}

/** The generic script (see `consumeScript`). */
export const CONSUME_SCRIPT = consumeScript(false);

/** SHA1 of `CONSUME_SCRIPT`, for EVALSHA. */
export const CONSUME_SCRIPT_SHA = createHash('sha1').update(CONSUME_SCRIPT).digest('hex');

/**
 * `CONSUME_SCRIPT` for a rolling upgrade from 0.1 (`RedisStorage({ compatibleWith: '0.1' })`): the
 * same decisions, on 0.1's fields, so that instances of 0.1 and of this version count in one state
 * (see README, "Upgrading").
 */
export const CONSUME_SCRIPT_COMPATIBLE_0_1 = consumeScript(true);
