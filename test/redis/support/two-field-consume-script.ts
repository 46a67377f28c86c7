import type { ConsumeRequest } from '../../../lib/index.js';
import { SCRIPT_ALGORITHMS } from '../../../lib/storage/redis.script.js';

/**
 * The ARGV of one call of `TWO_FIELD_CONSUME_SCRIPT` for `request` (its key is KEYS[1]), as 0.1's
 * RedisStorage built it: the numbers as one JSON array (`now` in ms, 0 = Redis TIME; `slack` ms added
 * to PEXPIRE), then `""`, each counter's two fields and the block fields.
 */
export function twoFieldArguments(request: ConsumeRequest, now: number, slack: number): string[] {
  const numbers = [now, request.peek ? 1 : 0, slack, request.limits.length, request.blocks.length];
  for (const limit of request.limits) {
    const algorithm = SCRIPT_ALGORITHMS.indexOf(limit.algorithm) + 1;
    numbers.push(algorithm, limit.limit, limit.windowMs, limit.block + 1, limit.shadow ? 1 : 0);
  }
  for (const block of request.blocks) numbers.push(block.durationMs);
  if (request.costs !== undefined) numbers.push(...request.costs);
  const fields = ['', ...request.limits.flatMap((limit) => [`${limit.key}#1`, `${limit.key}#2`])];
  return [JSON.stringify(numbers), ...fields, ...request.blocks.map((block) => block.key)];
}

/**
 * The Redis script of RedisStorage when each counter was two hash fields holding numbers (`k#1`,
 * `k#2`), kept verbatim (its arguments: `twoFieldArguments`), to test that state it wrote keeps
 * working after an upgrade and during a rolling one. Do not change it.
 */
export const TWO_FIELD_CONSUME_SCRIPT = `
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
local bV = 1 + 2 * nL

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
  return r
end

-- 2. A hash without the field "" is new, or from a version that kept a counter as one text field:
-- such a counter is carried over (both of its fields written at its next hit).
local upgraded
if not values[1] and nL > 0 then
  local old = {}
  for i = 1, nL do old[i] = string.sub(ARGV[1 + 2 * i], 1, -3) end
  local texts = redis.call('HMGET', key, unpack(old))
  for i = 1, nL do
    local v, v1, v2 = texts[i], nil, nil
    if v and not values[2 * i] then
      local algorithm = a[5 * i + 1]
    if algorithm == 1 then
      v1, v2 = string.match(v, '^(%S+) (%S+)$')
    elseif algorithm == 2 then
      v1, v2 = string.match(v, '^(%S+) (%S+)$')
    elseif algorithm == 3 then
      
      local total, rest = string.match(v, '^(%S+)(.*)$')
      local list = {}
      for t, c in string.gmatch(rest, ' (%S+) (%S+)') do list[#list + 1] = struct.pack('<dd', tonumber(t), tonumber(c)) end
      v1, v2 = total, table.concat(list)
    end
      values[2 * i], values[2 * i + 1] = v1, v2
      upgraded = upgraded or {}
      upgraded[i] = true
    end
  end
end

-- 3. Check every limit (a[5i+1..5i+5] = algorithm, limit, window, block, shadow) and prepare the
-- writes of each that admits; shadow limits never reject.
local r = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
local writes = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
local nw, expires, allowed, retryAfter = 0, 0, true, 0
for i = 1, nL do
  local p = 5 * i
  local limit, window, cost = a[p + 2], a[p + 3], pC and a[pC + i] or 1
  local v1, v2 = values[2 * i], values[2 * i + 1]
  local ok, rem, reset, retry, n1, n2, exp = false, 0, window, window, nil, nil, 0
  if limit > 0 and cost <= limit then
    local algorithm = a[p + 1]
    if algorithm == 1 then
      
      local count, resetAt = 0, 0
      if v1 then
        resetAt = v2 + 0
        if now < resetAt then count = v1 + 0 end
      end
      if now < resetAt then reset = resetAt - now else resetAt, reset = now + window, window end
      if count + cost <= limit then
        ok, rem, retry = true, limit - count - cost, 0
        n1, exp = count + cost, resetAt
        if count == 0 then n2 = resetAt end
      else
        ok, rem, retry = false, 0, reset
      end
    elseif algorithm == 2 then
      
      local tat, rest = now, 0
      if v1 then
        local t = v1 + 0
        if t >= now then
          tat, rest = t, v2 + 0
          if rest >= limit then tat, rest = tat + 1, 0 end
        end
      end
      local step = math.floor(window / limit)
      rest = rest + (window - step * limit) * cost
      tat = tat + step * cost
      if rest >= limit then
        local carry = math.floor(rest / limit)
        tat, rest = tat + carry, rest - carry * limit
      end
      local over = tat - now - window
      if over < 0 or (over == 0 and rest == 0) then
        local free = (window - tat + now) * limit - rest
        rem = math.floor(free / window)
        ok, reset, retry = true, math.ceil(((rem + 1) * window - free) / limit), 0
        n1, exp = tat, tat
        if rest > 0 then exp = tat + 1 end
        if not v2 or rest ~= v2 + 0 then n2 = rest end
      else
        if rest > 0 then over = over + 1 end
        ok, rem, reset, retry = false, 0, over, over
      end
    elseif algorithm == 3 then
      
      local b = 1
      if limit > 1000 then b = math.max(1, math.ceil(window / 1000)) end
      local at = math.ceil(now / b) * b
      local live, pos, size, oldest = 0, 1, 0, nil
      if v1 then
        live, size = v1 + 0, #v2
        while pos < size do
          local t, c = struct.unpack('<dd', v2, pos)
          if t + window > now then oldest = t break end
          live, pos = live - c, pos + 16
        end
      end
      if live + cost <= limit then
        if live == 0 then oldest = at end
        ok, rem, reset, retry = true, limit - live - cost, oldest + window - now, 0
        if live == 0 then n2 = struct.pack('<dd', at, cost)
        else
          local t, c = struct.unpack('<dd', v2, size - 15)
          if t >= at then n2, at = string.sub(v2, pos, size - 16) .. struct.pack('<dd', t, c + cost), t
          elseif pos > 1 then n2 = string.sub(v2, pos) .. struct.pack('<dd', at, cost)
          else n2 = v2 .. struct.pack('<dd', at, cost) end
        end
        n1, exp = live + cost, at + window
      else
        local leaving = live + cost - limit
        while true do
          local t, c = struct.unpack('<dd', v2, pos)
          leaving = leaving - c
          if leaving <= 0 then retry = t + window - now break end
          pos = pos + 16
        end
        ok, rem, reset = false, 0, retry
      end
    end
  end
  if ok then r[2 * i + 2], r[2 * i + 3] = rem, reset else r[2 * i + 2], r[2 * i + 3] = rem, -retry end
  if ok then
    if cost > 0 then
      if upgraded and upgraded[i] and n2 == nil then n2 = v2 end
      if n1 ~= nil then writes[nw + 1], writes[nw + 2], nw = ARGV[1 + 2 * i], n1, nw + 2 end
      if n2 ~= nil then writes[nw + 1], writes[nw + 2], nw = ARGV[2 + 2 * i], n2, nw + 2 end
      if exp > expires then expires = exp end
    end
  elseif a[p + 5] == 0 then
    allowed = false
    if retry > retryAfter then retryAfter = retry end
  end
end

-- 4. Rejected: nothing is counted (the limits that admitted keep the cost in their remaining);
-- each rejecting limit with a block time blocks its scope, whose limits then report the block.
if not allowed then
  r[1], r[3], nw, expires = 0, retryAfter, 0, 0
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
        writes[nw + 1], writes[nw + 2], nw = ARGV[2 + 2 * nL + j], now + d, nw + 2
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

-- 5. Commit. The TTL is extended (with a quarter of its length, at least 1 s, to spare, so not at
-- every call) only past the time the hash's TTL is known to cover.
if peek == 0 and nw > 0 then
  if expires > (values[1] or 0) + 0 then
    local keep = expires + math.max(1000, math.floor((expires - now) / 4))
    writes[nw + 1], writes[nw + 2], nw = '', keep, nw + 2
    redis.call('HSET', key, unpack(writes, 1, nw))
    local ttl = keep - now + slack
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  else
    redis.call('HSET', key, unpack(writes, 1, nw))
  end
end
-- The reply ends at its first nil (r was made with room for 5 limits).
if r[2] == 1 then r[2 * nL + 4 + nB] = nil else r[2 * nL + 4] = nil end
return r
`;
