-- Applies one follow or unfollow to feed-service's own copy of the follow
-- graph, atomically, by the pair's version: each pair's latest applied
-- version is kept, so an event older than it (a replay, a recovery that
-- published twice) changes nothing, whatever order the events come in.
--
-- KEYS: 1 pair versions hash, 2 the followee's followers set, 3 the follower's followees set
-- ARGV: 1 the pair's field in the hash, 2 version, 3 'follow' or 'unfollow', 4 follower id, 5 followee id
-- Returns 0 when stale, 1 when it repeats the pair's latest applied event
-- (the graph is already so; what follows from it is idempotent and may be
-- done again, in case a crash came between this script and that), 2 applied.
local version = tonumber(ARGV[2])
local seen = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if version < seen then return 0 end
if version == seen then return 1 end
redis.call('HSET', KEYS[1], ARGV[1], version)
if ARGV[3] == 'follow' then
  redis.call('SADD', KEYS[2], ARGV[4])
  redis.call('SADD', KEYS[3], ARGV[5])
else
  redis.call('SREM', KEYS[2], ARGV[4])
  redis.call('SREM', KEYS[3], ARGV[5])
end
return 2
