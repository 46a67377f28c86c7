import { createHash } from 'node:crypto';
import { fixedWindow } from '../algorithms/fixed-window.algorithm.js';
import { gcra } from '../algorithms/gcra.algorithm.js';
import { slidingWindow } from '../algorithms/sliding-window.algorithm.js';

/**
 * The Lua script behind `RedisStorage`: one call answers a whole `ConsumeRequest` atomically,
 * making the same decisions as `MemoryStorage`. Each algorithm's Lua lives next to its TypeScript
 * (`WindowAlgorithm.lua` in `lib/algorithms/<name>.algorithm.ts`); this file only assembles them.
 *
 * Layout: all state of one identity is ONE Redis hash, `KEYS[1]` = the identity key (e.g.
 * `ratelimit:{alice}`, whose `{...}` hash tag pins it to one Cluster slot). Its fields are the
 * counter and block keys of `ConsumeRequest` (relative to the identity key), each holding the text
 * its algorithm documents (`<count> <resetAt>`, `<tat> <rest>`, `<total> <at> <count> ...`) or, for
 * a block, `<blockedUntil>`: the format of every earlier version, so that state written before an
 * upgrade keeps working. The field `""` holds the ms timestamp until which the hash's TTL is known
 * to cover every state (absent in hashes of earlier versions: PTTL is asked then). The hash expires
 * when its last state is dead, and `reset` is one DEL.
 *
 * ARGV[1], one JSON array (decoded in C by cjson, no parsing in Lua):
 * `[now, peek, ttlSlack, L, B, fields, (algorithm, limit, windowMs, block, shadow) x L, durationMs x B, cost x L]`
 * with `now` in ms (0 = Redis `TIME`), `peek` and `shadow` 1/0, `ttlSlack` ms added to PEXPIRE,
 * `fields` = `["", L counter fields, B block fields]` (the HMGET arguments), `block` a 1-based
 * index into the blocks, and the costs optional (absent: 1 each).
 *
 * Reply: one string of comma-separated integers: allowed (1/0), blocked (1/0), retryAfterMs,
 * L x (remaining, resetMs, retryAfterMs) with remaining -1 for a limit left unread (unknown), and
 * when blocked, B x (ms left of that scope's block).
 */
export const CONSUME_SCRIPT = `
local a = cjson.decode(ARGV[1])
local now, peek, slack, nL, nB, fields = a[1], a[2], a[3], a[4], a[5], a[6]
if now == 0 then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
end
local key = KEYS[1]
local values = redis.call('HMGET', key, unpack(fields))
local pB = 6 + 5 * nL
local pC = pB + nB

-- 1. A standing block in any scope of the request rejects it; nothing is read or counted. The
-- limits of a blocked scope report the block's end, the others are unknown (remaining -1).
local wait = 0
for j = 1, nB do
  local u = tonumber(values[1 + nL + j])
  if u and u - now > wait then wait = u - now end
end
if wait > 0 then
  local left = {}
  for j = 1, nB do
    local u = tonumber(values[1 + nL + j]) or 0
    if u > now then left[j] = u - now else left[j] = 0 end
  end
  local r = { 0, 1, wait }
  for i = 1, nL do
    local l = left[a[5 * i + 5]]
    if l > 0 then r[3 * i + 1], r[3 * i + 2], r[3 * i + 3] = 0, l, l
    else r[3 * i + 1], r[3 * i + 2], r[3 * i + 3] = -1, 0, 0 end
  end
  for j = 1, nB do r[3 * nL + 3 + j] = left[j] end
  return table.concat(r, ',')
end

-- 2. Check every limit (a[5i+2..5i+6] = algorithm, limit, window, block, shadow) and prepare the
-- write of each that admits; shadow limits never reject.
local r = { 1, 0, 0 }
local writes, expires, allowed, retryAfter = {}, 0, true, 0
for i = 1, nL do
  local p = 5 * i
  local limit, window, cost = a[p + 3], a[p + 4], a[pC + i] or 1
  local v = values[1 + i]
  local ok, rem, reset, retry, nv, exp = false, 0, window, window, nil, 0
  if limit > 0 and cost <= limit then
    local algorithm = a[p + 2]
    if algorithm == 'fixed-window' then${fixedWindow.lua.replace(/\n/g, '\n      ')}
    elseif algorithm == 'gcra' then${gcra.lua.replace(/\n/g, '\n      ')}
    else${slidingWindow.lua.replace(/\n/g, '\n      ')}
    end
  end
  r[3 * i + 1], r[3 * i + 2], r[3 * i + 3] = rem, reset, retry
  if ok then
    if cost > 0 then
      writes[#writes + 1] = fields[1 + i]
      writes[#writes + 1] = nv
      if exp > expires then expires = exp end
    end
  elseif a[p + 6] == 0 then
    allowed = false
    if retry > retryAfter then retryAfter = retry end
  end
end

-- 3. Rejected: nothing is counted (the limits that admitted keep the cost in their remaining);
-- each rejecting limit with a block time blocks its scope, whose limits then report the block.
if not allowed then
  r[1], r[3], writes, expires = 0, retryAfter, {}, 0
  for i = 1, nL do
    if r[3 * i + 3] == 0 then r[3 * i + 1] = r[3 * i + 1] + (a[pC + i] or 1) end
  end
  if peek == 0 then
    local blocked = {}
    for i = 1, nL do
      local j = a[5 * i + 5]
      local d = a[pB + j]
      if r[3 * i + 3] ~= 0 and a[5 * i + 6] == 0 and d > 0 and not blocked[j] then
        blocked[j] = true
        writes[#writes + 1] = fields[1 + nL + j]
        writes[#writes + 1] = now + d
        if now + d > expires then expires = now + d end
        if d > r[3] then r[3] = d end
        r[2] = 1
      end
    end
    if r[2] == 1 then
      for i = 1, nL do
        local j = a[5 * i + 5]
        if blocked[j] then r[3 * i + 1], r[3 * i + 2], r[3 * i + 3] = 0, a[pB + j], a[pB + j] end
      end
      for j = 1, nB do if blocked[j] then r[3 * nL + 3 + j] = a[pB + j] else r[3 * nL + 3 + j] = 0 end end
    end
  end
end

-- 4. Commit. The TTL is extended (with a quarter of its length to spare, so not at every call)
-- only past the time the hash's TTL is known to cover.
if peek == 0 and #writes > 0 then
  if expires > (tonumber(values[1]) or 0) then
    local keep = expires + math.floor((expires - now) / 4)
    writes[#writes + 1] = ''
    writes[#writes + 1] = keep
    redis.call('HSET', key, unpack(writes))
    local ttl = keep - now + slack
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  else
    redis.call('HSET', key, unpack(writes))
  end
end
return table.concat(r, ',')
`;

/** SHA1 of `CONSUME_SCRIPT`, for EVALSHA. */
export const CONSUME_SCRIPT_SHA = createHash('sha1').update(CONSUME_SCRIPT).digest('hex');
