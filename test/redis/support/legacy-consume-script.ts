/**
 * The Redis script of RedisStorage before the script was packed (kept verbatim, with its argument
 * format), to test that state it wrote keeps working after an upgrade. Do not change it.
 */
export const LEGACY_CONSUME_SCRIPT = `
local function num(x) return string.format('%.17g', x) end

-- Each algorithm: decode(text) -> state, check(state, now, limit, window) -> ok, remaining,
-- resetMs, retryAfterMs (state may be nil), record(state, now, limit, window) -> state,
-- encode(state) -> text, expiresAt(state, window) -> ms. Ports of lib/algorithms/*.ts.
local algorithms = {}

-- fixed-window: '<count> <resetAt>'. See lib/algorithms/fixed-window.algorithm.ts.
algorithms['fixed-window'] = {
  decode = function(text)
    local count, resetAt = string.match(text, '^(%S+) (%S+)$')
    return { count = tonumber(count), resetAt = tonumber(resetAt) }
  end,
  check = function(s, now, limit, window)
    if s == nil or now >= s.resetAt then
      if limit > 0 then return true, limit - 1, window, 0 end
      return false, 0, window, window
    end
    local resetMs = math.ceil(s.resetAt - now)
    if s.count < limit then return true, limit - s.count - 1, resetMs, 0 end
    return false, 0, resetMs, resetMs
  end,
  record = function(s, now, _, window)
    if s == nil or now >= s.resetAt then return { count = 1, resetAt = now + window } end
    s.count = s.count + 1
    return s
  end,
  encode = function(s) return num(s.count) .. ' ' .. num(s.resetAt) end,
  expiresAt = function(s) return s.resetAt end,
}

-- gcra: '<tat> <rest>', the TAT being tat + rest / limit ms. See lib/algorithms/gcra.algorithm.ts.
local function nextArrival(s, now, limit, window)
  local tat, rest = now, 0
  if s ~= nil and s.tat >= now then
    tat, rest = s.tat, s.rest
    if rest >= limit then tat, rest = tat + 1, 0 end
  end
  local step = math.floor(window / limit)
  rest = rest + window - step * limit
  tat = tat + step
  if rest >= limit then tat, rest = tat + 1, rest - limit end
  return { tat = tat, rest = rest }
end

algorithms['gcra'] = {
  decode = function(text)
    local tat, rest = string.match(text, '^(%S+) (%S+)$')
    return { tat = tonumber(tat), rest = tonumber(rest) }
  end,
  check = function(s, now, limit, window)
    if limit <= 0 then return false, 0, window, window end
    local arrival = nextArrival(s, now, limit, window)
    local over = arrival.tat - now - window
    if over > 0 or (over == 0 and arrival.rest > 0) then
      local wait = over
      if arrival.rest > 0 then wait = over + 1 end
      return false, 0, wait, wait
    end
    local free = (window - arrival.tat + now) * limit - arrival.rest
    local remaining = math.floor(free / window)
    return true, remaining, math.ceil(((remaining + 1) * window - free) / limit), 0
  end,
  record = function(s, now, limit, window) return nextArrival(s, now, limit, window) end,
  encode = function(s) return num(s.tat) .. ' ' .. num(s.rest) end,
  expiresAt = function(s)
    if s.rest > 0 then return s.tat + 1 end
    return s.tat
  end,
}

-- sliding-window: '<total> <at> <count> <at> <count> ...', entries oldest first with strictly
-- increasing at, total = sum of counts; entries dead at a write are dropped by it. Read lazily:
-- a check scans only the dead prefix. See lib/algorithms/sliding-window.algorithm.ts.
local function bucketMs(limit, window)
  if limit <= 1000 then return 1 end
  return math.max(1, math.ceil(window / 1000))
end

-- Live hit count, and the position in s.entries and the time of the oldest live entry (nil if none).
local function oldestLive(s, now, window)
  local live = s.total
  for pos, at, count in string.gmatch(s.entries, '()(%S+) (%S+)') do
    at = tonumber(at)
    if at + window > now then return live, pos, at end
    live = live - tonumber(count)
  end
  return live, nil, nil
end

algorithms['sliding-window'] = {
  decode = function(text)
    local total, entries = string.match(text, '^(%S+)(.*)$')
    return { total = tonumber(total), entries = entries }
  end,
  check = function(s, now, limit, window)
    if limit <= 0 then return false, 0, window, window end
    local live, pos, oldest = 0, nil, nil
    if s ~= nil then live, pos, oldest = oldestLive(s, now, window) end
    if live < limit then
      if live == 0 then
        local b = bucketMs(limit, window)
        oldest = math.ceil(now / b) * b
      end
      return true, limit - live - 1, math.ceil(oldest + window - now), 0
    end
    -- Admitted again once live - limit + 1 of the live hits have left the window.
    local leaving = live - limit + 1
    for at, count in string.gmatch(string.sub(s.entries, pos), '(%S+) (%S+)') do
      leaving = leaving - tonumber(count)
      if leaving <= 0 then
        local wait = math.ceil(tonumber(at) + window - now)
        return false, 0, wait, wait
      end
    end
  end,
  record = function(s, now, limit, window)
    local b = bucketMs(limit, window)
    local at = math.ceil(now / b) * b
    local live, kept = 0, ''
    if s ~= nil then
      local pos
      live, pos = oldestLive(s, now, window)
      if pos ~= nil then kept = string.sub(s.entries, pos - 1) end
    end
    if kept ~= '' then
      local before, newest, count = string.match(kept, '^(.*) (%S+) (%S+)$')
      newest = tonumber(newest)
      if newest >= at then
        local entries = before .. ' ' .. num(newest) .. ' ' .. num(tonumber(count) + 1)
        return { total = live + 1, entries = entries, newest = newest }
      end
    end
    return { total = live + 1, entries = kept .. ' ' .. num(at) .. ' 1', newest = at }
  end,
  encode = function(s) return num(s.total) .. s.entries end,
  expiresAt = function(s, window) return s.newest + window end,
}

local key = KEYS[1]
local now = tonumber(ARGV[1])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local peek = ARGV[2] == '1'
local ttlSlack = tonumber(ARGV[3])
local nLimits = tonumber(ARGV[4])
local nBlocks = tonumber(ARGV[5])

local limits, blocks, fields = {}, {}, {}
for i = 1, nLimits do
  local at = 5 + (i - 1) * 5
  limits[i] = {
    field = ARGV[at + 1],
    limit = tonumber(ARGV[at + 2]),
    window = tonumber(ARGV[at + 3]),
    algorithm = algorithms[ARGV[at + 4]],
    block = tonumber(ARGV[at + 5]),
  }
  fields[i] = limits[i].field
end
for j = 1, nBlocks do
  local at = 5 + nLimits * 5 + (j - 1) * 2
  blocks[j] = { field = ARGV[at + 1], duration = tonumber(ARGV[at + 2]) }
  fields[nLimits + j] = blocks[j].field
end
local values = redis.call('HMGET', key, unpack(fields))

-- 1. A standing block in any scope of the request rejects it; nothing is counted.
local blockedUntil = 0
for j = 1, nBlocks do
  local untilMs = tonumber(values[nLimits + j])
  if untilMs ~= nil and untilMs > now and untilMs > blockedUntil then blockedUntil = untilMs end
end
if blockedUntil > 0 then
  local wait = num(math.ceil(blockedUntil - now))
  local reply = { '0', '1', wait }
  for _ = 1, nLimits do
    reply[#reply + 1] = '0'
    reply[#reply + 1] = wait
    reply[#reply + 1] = wait
  end
  for j = 1, nBlocks do
    local untilMs = tonumber(values[nLimits + j])
    if untilMs ~= nil and untilMs > now then reply[#reply + 1] = num(math.ceil(untilMs - now)) else reply[#reply + 1] = '0' end
  end
  return table.concat(reply, ',')
end

-- 2. Check every limit against the stored state. Limits sharing a field share one state object.
local states = {}
for i = 1, nLimits do
  local text = values[i]
  if text and states[fields[i]] == nil then states[fields[i]] = limits[i].algorithm.decode(text) end
end
local allowed, retryAfter = true, 0
local statuses = {}
for i = 1, nLimits do
  local l = limits[i]
  local ok, remaining, resetMs, retryMs = l.algorithm.check(states[l.field], now, l.limit, l.window)
  statuses[i] = { remaining, resetMs, retryMs }
  if not ok then
    allowed = false
    if retryMs > retryAfter then retryAfter = retryMs end
  end
end

if not allowed then
  -- Nothing is counted: a limit that admitted the hit keeps it in its remaining quota.
  for i = 1, nLimits do
    if statuses[i][3] == 0 then statuses[i][1] = statuses[i][1] + 1 end
  end
end

-- 3. Commit: every limit records the hit if all admitted; else rejecting limits block their scope.
local blocked = false
local blockLeft = {}
if not peek then
  local writes, expiresAt = {}, 0
  if allowed then
    for i = 1, nLimits do
      local l = limits[i]
      local state = l.algorithm.record(states[l.field], now, l.limit, l.window)
      states[l.field] = state
      local expires = l.algorithm.expiresAt(state, l.window)
      if expires > expiresAt then expiresAt = expires end
    end
    for i = 1, nLimits do
      writes[#writes + 1] = limits[i].field
      writes[#writes + 1] = limits[i].algorithm.encode(states[limits[i].field])
    end
  else
    for i = 1, nLimits do
      local scope = blocks[limits[i].block]
      if statuses[i][3] ~= 0 and scope.duration > 0 then
        local untilMs = now + scope.duration
        writes[#writes + 1] = scope.field
        writes[#writes + 1] = num(untilMs)
        blockLeft[limits[i].block] = scope.duration
        if untilMs > expiresAt then expiresAt = untilMs end
        if scope.duration > retryAfter then retryAfter = scope.duration end
        blocked = true
      end
    end
  end
  if #writes > 0 then
    redis.call('HSET', key, unpack(writes))
    local ttl = math.ceil(expiresAt - now) + ttlSlack
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  end
end

local reply = { allowed and '1' or '0', blocked and '1' or '0', num(retryAfter) }
for i = 1, nLimits do
  reply[#reply + 1] = num(statuses[i][1])
  reply[#reply + 1] = num(statuses[i][2])
  reply[#reply + 1] = num(statuses[i][3])
end
if blocked then
  for j = 1, nBlocks do reply[#reply + 1] = num(blockLeft[j] or 0) end
end
return table.concat(reply, ',')
`;
