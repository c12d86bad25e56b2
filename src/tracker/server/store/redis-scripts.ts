/**
 * Lua scripts of the redis store; each runs atomically inside redis, so several tracker
 * processes can share swarms. Per swarm (hex info-hash H, prefix P):
 *   P z:H  sorted set, member = compact address (6 or 18 bytes), score = expiry (ms)
 *   P h:H  hash, compact address -> 1 flag byte (1 = seeder) .. 20-byte peer id
 *   P c:H  hash, s = seeders, l = leechers, d = completed
 *   P swarms  set of hex info-hashes with peers
 */
const EXPIRE_FN = `
local function expire(z, h, c, now)
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. now, 'LIMIT', 0, 500)
  for i = 1, #old do
    local v = redis.call('HGET', h, old[i])
    if v then
      if string.byte(v, 1) == 1 then redis.call('HINCRBY', c, 's', -1) else redis.call('HINCRBY', c, 'l', -1) end
      redis.call('HDEL', h, old[i])
    end
    redis.call('ZREM', z, old[i])
  end
  return #old
end
local function counts(c)
  local r = redis.call('HMGET', c, 's', 'l', 'd')
  return tonumber(r[1]) or 0, tonumber(r[2]) or 0, tonumber(r[3]) or 0
end
`;

/**
 * KEYS: z, h, c, swarms. ARGV: now, expiry, addr, flag..peerid, event, want4, want6,
 * hex, keyTtlMs, maxPeersPerSwarm, wantIds (0/1).
 * Returns {seeders, leechers, completed, peers4, peers6, ids4, ids6}.
 */
export const ANNOUNCE_LUA = `${EXPIRE_FN}
local z, h, c = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[1])
expire(z, h, c, now)
local addr, val, ev = ARGV[3], ARGV[4], ARGV[5]
local prev = redis.call('HGET', h, addr)
local prevSeed = prev and string.byte(prev, 1) == 1
if ev == 'stopped' then
  if prev then
    redis.call('HINCRBY', c, prevSeed and 's' or 'l', -1)
    redis.call('HDEL', h, addr)
    redis.call('ZREM', z, addr)
  end
else
  local seed = string.byte(val, 1) == 1
  if ev == 'completed' and not prevSeed then redis.call('HINCRBY', c, 'd', 1) end
  local store = true
  if prev then
    if prevSeed ~= seed then
      redis.call('HINCRBY', c, prevSeed and 's' or 'l', -1)
      redis.call('HINCRBY', c, seed and 's' or 'l', 1)
    end
  elseif redis.call('ZCARD', z) < tonumber(ARGV[10]) then
    redis.call('HINCRBY', c, seed and 's' or 'l', 1)
  else
    store = false
  end
  if store then
    redis.call('HSET', h, addr, val)
    redis.call('ZADD', z, ARGV[2], addr)
  end
  redis.call('SADD', KEYS[4], ARGV[8])
  redis.call('PEXPIRE', z, ARGV[9])
  redis.call('PEXPIRE', h, ARGV[9])
  redis.call('PEXPIRE', c, ARGV[9])
end
local s, l, d = counts(c)
local p4, p6, i4, i6 = {}, {}, {}, {}
local want4, want6 = tonumber(ARGV[6]), tonumber(ARGV[7])
local ids = ARGV[11] == '1'
if ev ~= 'stopped' and want4 + want6 > 0 then
  local sample = redis.call('ZRANDMEMBER', z, want4 + want6 + 1)
  for i = 1, #sample do
    local m = sample[i]
    if m ~= addr then
      if #m == 6 and #p4 < want4 then
        p4[#p4 + 1] = m
        if ids then i4[#i4 + 1] = string.sub(redis.call('HGET', h, m) or string.rep('\\0', 21), 2, 21) end
      elseif #m == 18 and #p6 < want6 then
        p6[#p6 + 1] = m
        if ids then i6[#i6 + 1] = string.sub(redis.call('HGET', h, m) or string.rep('\\0', 21), 2, 21) end
      end
    end
  end
end
return {s, l, d, table.concat(p4), table.concat(p6), table.concat(i4), table.concat(i6)}
`;

/** KEYS: z, h, c. ARGV: now. Expires, then returns {seeders, leechers, completed}. */
export const SCRAPE_LUA = `${EXPIRE_FN}
expire(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]))
local s, l, d = counts(KEYS[3])
return {s, l, d}
`;

/** KEYS: z, h, c, swarms. ARGV: now, hex. Expires; forgets an empty swarm. Returns the number removed. */
export const SWEEP_LUA = `${EXPIRE_FN}
local n = 0
repeat
  local k = expire(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]))
  n = n + k
until k < 500
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[4], ARGV[2]) end
return n
`;
