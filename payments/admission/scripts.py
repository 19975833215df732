"""The admission check, lease release and renewal as Redis Lua scripts.

One ``ADMIT`` call decides a request: it reads the clock with ``TIME``, reaps
expired leases, checks every concurrency window (sorted set: member = lease id,
score = expiry in ms) and every GCRA limit, and only if all of them pass takes
the lease and advances the GCRA cells — all or nothing. A limit in shadow mode
is checked and reported but does not refuse.

Keys (all passed in KEYS, never built inside the script):
  windows ...   adm:{<merchant>}:win:<method>   (and optionally adm:{<merchant>}:win)
  limits ...    adm:{<merchant>}:rate:<method>  (and, on a single Redis, adm:global:rate:<method>)
  stats         adm:{<merchant>}:stats          (per-minute counters for the operators' page)
"""

# KEYS: windows (n_win), gcra cells (n_rate), stats
# ARGV: lease_id, ttl_ms, n_win, [cap, shadow]*n_win, n_rate, [interval_us, burst, shadow]*n_rate, minute, method,
#       continue (1: a session that still holds a live lease in the first window is renewed, not re-admitted),
#       reason names (n_win + n_rate, for the stats hash: a refusal is counted in the same round trip)
# Returns {admitted, reason_index (0 = none; i = i-th limit, windows first), retry_after_us,
#          in_use (of the first window), shadow_reasons (comma list of indexes), continued (1/0)}
ADMIT_LUA = """
local lease = ARGV[1]
local ttl = tonumber(ARGV[2])
local n_win = tonumber(ARGV[3])
local a = 4
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_ms = math.floor(now_us / 1000)
local shadow_hits = {}
local in_use = 0
local wins = {}
local n_rate_peek = tonumber(ARGV[4 + 2 * n_win])
local base = 4 + 2 * n_win + 1 + 3 * n_rate_peek
local continuing = tonumber(ARGV[base + 2])
local stats = KEYS[n_win + n_rate_peek + 1]
local function refuse(i, retry_us, n)
  if stats then
    redis.call('HINCRBY', stats, ARGV[base] .. ':refused:' .. ARGV[base + 1] .. ':' .. (ARGV[base + 2 + i] or i), 1)
    redis.call('EXPIRE', stats, 600)
  end
  return {0, i, retry_us, n, '', 0}
end
if continuing == 1 then
  local score = redis.call('ZSCORE', KEYS[1], lease)
  if score and tonumber(score) > now_ms then
    for i = 1, n_win do
      redis.call('ZADD', KEYS[i], now_ms + ttl, lease)
      redis.call('PEXPIRE', KEYS[i], ttl + 1000)
    end
    return {1, 0, 0, redis.call('ZCARD', KEYS[1]), '', 1}
  end
end
for i = 1, n_win do
  local key = KEYS[i]
  local cap = tonumber(ARGV[a]); local shadow = tonumber(ARGV[a + 1]); a = a + 2
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms)
  local n = redis.call('ZCARD', key)
  if i == 1 then in_use = n end
  if n >= cap then
    if shadow == 1 then table.insert(shadow_hits, i) else return refuse(i, 0, n) end
  end
  wins[i] = key
end
local n_rate = tonumber(ARGV[a]); a = a + 1
local cells = {}
for j = 1, n_rate do
  local key = KEYS[n_win + j]
  local interval = tonumber(ARGV[a]); local burst = tonumber(ARGV[a + 1]); local shadow = tonumber(ARGV[a + 2])
  a = a + 3
  local tat = tonumber(redis.call('GET', key) or now_us)
  if tat < now_us then tat = now_us end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  if now_us < allow_at then
    if shadow == 1 then
      table.insert(shadow_hits, n_win + j)
    else
      return refuse(n_win + j, allow_at - now_us, in_use)
    end
  end
  cells[j] = {key, new_tat}
end
for i = 1, n_win do
  redis.call('ZADD', wins[i], now_ms + ttl, lease)
  redis.call('PEXPIRE', wins[i], ttl + 1000)
end
for j = 1, n_rate do
  local c = cells[j]
  redis.call('SET', c[1], c[2], 'PX', math.ceil((c[2] - now_us) / 1000) + 1)
end
if stats then
  redis.call('HINCRBY', stats, ARGV[a] .. ':admitted:' .. ARGV[a + 1], 1)
  redis.call('EXPIRE', stats, 600)
end
return {1, 0, 0, in_use + 1, table.concat(shadow_hits, ','), 0}
"""

# Count a refusal in the stats hash (the refusal itself changed nothing else).
REFUSED_LUA = """
redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':refused:' .. ARGV[2], 1)
redis.call('EXPIRE', KEYS[1], 600)
return 1
"""

# KEYS: windows; ARGV: ttl_ms, lease_id... Extends the live leases of those windows (never
# resurrects a reaped one): every lease a process renews in the same windows, in one call.
RENEW_LUA = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local renewed = 0
for i = 1, #KEYS do
  for j = 2, #ARGV do
    renewed = renewed + redis.call('ZADD', KEYS[i], 'XX', 'CH', now_ms + ttl, ARGV[j])
  end
  redis.call('PEXPIRE', KEYS[i], ttl + 1000)
end
return renewed
"""

# KEYS: windows; ARGV: old lease id, new lease id, ttl_ms. A session takes its payment's name.
RENAME_LUA = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local moved = 0
for i = 1, #KEYS do
  if redis.call('ZREM', KEYS[i], ARGV[1]) == 1 then
    redis.call('ZADD', KEYS[i], now_ms + tonumber(ARGV[3]), ARGV[2])
    moved = moved + 1
  end
end
return moved
"""

# KEYS: windows; ARGV: lease_id.
RELEASE_LUA = """
local removed = 0
for i = 1, #KEYS do removed = removed + redis.call('ZREM', KEYS[i], ARGV[1]) end
return removed
"""

# KEYS: windows. Live leases per window (reaping expired ones first).
USAGE_LUA = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now_ms)
  out[i] = redis.call('ZCARD', KEYS[i])
end
return out
"""
