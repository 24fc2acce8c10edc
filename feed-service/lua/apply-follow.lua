-- Applies one follow or unfollow to feed-service's own copy of the follow
-- graph, atomically, by the pair's version: each pair's latest applied
-- version is kept, so an event older than it (a replay, a recovery that
-- published twice) changes nothing, whatever order the events come in.
-- A follow also keeps when it began (its event's time): what decides, in
-- fan-out.lua, backfill.lua and regenerate.lua alike, which of the
-- followee's posts a home timeline holds, so that it is the same whatever
-- order the two topics were read in.
--
-- A followee whose followers come to outnumber the threshold becomes a
-- celebrity, for good: their posts are no longer fanned out but merged
-- into their followers' pages on read (home-page.lua). Staying one after
-- falling below it again keeps every post they wrote meanwhile in their
-- followers' pages without a fan-out of all of them at that moment.
--
-- Every script names a pair `<follower>:<followee>` in the two hashes.
--
-- An applied change goes to the changes stream too, for the follower's open
-- home streams (live.ts), which then let the followee's posts through, or
-- no longer.
--
-- KEYS: 1 pair versions hash, 2 the followee's followers set, 3 the follower's followees set, 4 celebrities set,
--       5 follow start times hash (pair → ms), 6 changes stream
-- ARGV: 1 version, 2 'follow' or 'unfollow', 3 follower id, 4 followee id, 5 the celebrity threshold (followers),
--       6 the event's time (ms), 7 the event's type, 8 changes kept in the stream
-- Returns 0 when stale, 1 when it repeats the pair's latest applied event
-- (the graph is already so; what follows from it is idempotent and may be
-- done again, in case a crash came between this script and that), 2 applied.
local version, follower, followee = tonumber(ARGV[1]), ARGV[3], ARGV[4]
local pair = follower .. ':' .. followee
local seen = tonumber(redis.call('HGET', KEYS[1], pair) or '0')
if version < seen then return 0 end
if version == seen then return 1 end
redis.call('HSET', KEYS[1], pair, version)
if ARGV[2] == 'follow' then
  redis.call('SADD', KEYS[2], follower)
  redis.call('SADD', KEYS[3], followee)
  redis.call('HSET', KEYS[5], pair, ARGV[6])
  if redis.call('SCARD', KEYS[2]) > tonumber(ARGV[5]) then redis.call('SADD', KEYS[4], followee) end
else
  redis.call('SREM', KEYS[2], follower)
  redis.call('SREM', KEYS[3], followee)
  redis.call('HDEL', KEYS[5], pair)
end
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[8], '*', 'type', ARGV[7], 'follower', follower, 'followee', followee)
return 2
