/**
 * The Lua scripts of RedisPresenceTracker. Each runs atomically, so two instances never both
 * count the same change, and each transition is published once. Keys (one hash tag, one slot):
 * - `instances`  zset: instance id -> ms until which its entries count (refreshed every tick)
 * - `users:<id>` set: the users with a connection on that instance
 * - `counts`     hash: user id -> instances where the user has a connection (absent: none)
 * - `leaving`    zset: user id -> ms when their last connection closed (the grace period runs)
 * Every script answers a number, never nil: ioredis fails on a nil reply that comes after its
 * command timed out (a stalled connection flushing late), where it tolerates any other.
 */

/** Shared functions: a user joins or leaves one instance's set; publishes a graced online. */
const FUNCTIONS = `
local function join(usersKey, countsKey, leavingKey, channel, user, now)
  if redis.call('SADD', usersKey, user) == 0 then return end
  if redis.call('HINCRBY', countsKey, user, 1) ~= 1 then return end
  if redis.call('ZREM', leavingKey, user) == 1 then return end
  redis.call('PUBLISH', channel, cjson.encode({userId = user, online = true, at = now}))
end
local function leave(countsKey, leavingKey, user, now)
  if redis.call('HINCRBY', countsKey, user, -1) > 0 then return end
  redis.call('HDEL', countsKey, user)
  redis.call('ZADD', leavingKey, now, user)
end
`;

/** KEYS: users:<self>, counts, leaving. ARGV: channel, user, now. */
export const CONNECT_SCRIPT = `${FUNCTIONS}
join(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], tonumber(ARGV[3]))
return 1
`;

/** KEYS: users:<self>, counts, leaving. ARGV: user, now. */
export const DISCONNECT_SCRIPT = `${FUNCTIONS}
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 then leave(KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2])) end
return 1
`;

/**
 * Makes this instance's set equal to the users connected here (after Redis was unreachable, or
 * after other instances took this one for dead). KEYS: users:<self>, counts, leaving.
 * ARGV: channel, now, user...
 */
export const RESYNC_SCRIPT = `${FUNCTIONS}
local now = tonumber(ARGV[2])
local wanted = {}
for i = 3, #ARGV do wanted[ARGV[i]] = true end
for _, user in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if wanted[user] then wanted[user] = nil else
    redis.call('SREM', KEYS[1], user)
    leave(KEYS[2], KEYS[3], user, now)
  end
end
for user in pairs(wanted) do join(KEYS[1], KEYS[2], KEYS[3], ARGV[1], user, now) end
return 1
`;

/**
 * One tick of an instance: refreshes its own expiry (answers 0 when it had been taken for dead,
 * so it resyncs), lets the entries of instances that stopped refreshing go (O(their users)), and
 * publishes the offline of users whose grace period ended (O(those users)).
 * KEYS: instances, counts, leaving. ARGV: self, now, expires, graceMs, channel, users key prefix, limit.
 */
export const TICK_SCRIPT = `${FUNCTIONS}
local now = tonumber(ARGV[2])
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 16)) do
  local usersKey = ARGV[6] .. dead
  for _, user in ipairs(redis.call('SMEMBERS', usersKey)) do leave(KEYS[2], KEYS[3], user, now) end
  redis.call('DEL', usersKey)
  redis.call('ZREM', KEYS[1], dead)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]), 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[7]))
for i = 1, #due, 2 do
  redis.call('ZREM', KEYS[3], due[i])
  redis.call('PUBLISH', ARGV[5], cjson.encode({userId = due[i], online = false, at = tonumber(due[i + 1])}))
end
if known then return 1 end
return 0
`;

/** A graceful stop: every user of this instance leaves. KEYS: instances, users:<self>, counts, leaving. ARGV: self, now. */
export const DEPART_SCRIPT = `${FUNCTIONS}
local now = tonumber(ARGV[2])
for _, user in ipairs(redis.call('SMEMBERS', KEYS[2])) do leave(KEYS[3], KEYS[4], user, now) end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`;
