-- Writes one post's id into a chunk of home timelines (the caller sends at
-- most its configured chunk of them per call, so no call holds Redis for
-- long whatever the author's follower count).
--
-- Each timeline is a sorted set of post ids scored by creation time (ms),
-- capped to its newest `cap`. ZADD of an id already there changes nothing,
-- so a repeated fan-out (a redelivered event, a crash halfway) is harmless.
-- Two checks make it safe against what happened meanwhile: a post deleted
-- (its snapshot gone) is not written anywhere, and a follower is written
-- only while still following (an unfollow's purge may have run since the
-- caller read the follower set, and nothing may come back after it).
--
-- A reader who has not read their timeline since `active since` is
-- skipped: inactive readers cost nothing, and their next read regenerates
-- it (regenerate.lua).
--
-- The author's own timeline is not among them: apply-post-event.lua writes
-- it with the post.
--
-- KEYS: 1 snapshots hash, 2 the author's followers set, 3 readers (last read, by user), 4.. the timelines
-- ARGV: 1 post id, 2 score, 3 cap, 4 active since (ms), 5.. the owner of each timeline (KEYS[i] for ARGV[i+1])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local cap, active_since = tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 4, #KEYS do
  local owner = ARGV[i + 1]
  local last = tonumber(redis.call('ZSCORE', KEYS[3], owner) or '0')
  if last >= active_since and redis.call('SISMEMBER', KEYS[2], owner) == 1 then
    redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1])
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
  end
end
return 1
