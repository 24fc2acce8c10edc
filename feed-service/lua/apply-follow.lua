-- Applies one follow or unfollow to feed-service's own copy of the follow
-- graph, atomically, by the pair's version: each pair's latest applied
-- version is kept, so an event older than it (a replay, a recovery that
-- published twice) changes nothing, whatever order the events come in.
--
-- A followee whose followers come to outnumber the threshold becomes a
-- celebrity, for good: their posts are no longer fanned out but merged
-- into their followers' pages on read (home-page.lua). Staying one after
-- falling below it again keeps every post they wrote meanwhile in their
-- followers' pages without a fan-out of all of them at that moment.
--
-- KEYS: 1 pair versions hash, 2 the followee's followers set, 3 the follower's followees set, 4 celebrities set
-- ARGV: 1 the pair's field in the hash, 2 version, 3 'follow' or 'unfollow', 4 follower id, 5 followee id,
--       6 the celebrity threshold (followers)
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
  if redis.call('SCARD', KEYS[2]) > tonumber(ARGV[6]) then redis.call('SADD', KEYS[4], ARGV[5]) end
else
  redis.call('SREM', KEYS[2], ARGV[4])
  redis.call('SREM', KEYS[3], ARGV[5])
end
return 2
