-- Writes one post's id into a chunk of home timelines (the caller sends at
-- most its configured chunk of them per call, so no call holds Redis for
-- long whatever the author's follower count).
--
-- Each timeline is a sorted set of post ids scored by creation time (ms),
-- capped to its newest `cap`. ZADD of an id already there changes nothing,
-- so a repeated fan-out (a redelivered event, a crash halfway) is harmless.
-- Checks make it safe against what happened meanwhile, and make a
-- timeline's content depend on the events only, not on the order the two
-- topics were read in:
-- - a post deleted (its snapshot gone) is not written anywhere;
-- - a follower is written only while still following (an unfollow's purge
--   may have run since the caller read the follower set, and nothing may
--   come back after it);
-- - a post created before the follow began (its event delayed) is written
--   only if it is among the author's newest `before` posts from before it,
--   and the one it pushes out of those leaves: what the follow's backfill
--   holds (backfill.lua);
-- - a reader who has not read their timeline since `active since` is
--   skipped: inactive readers cost nothing, and their next read
--   regenerates it (regenerate.lua).
--
-- The author's own timeline is not among them: apply-post-event.lua writes
-- it with the post.
--
-- KEYS: 1 snapshots hash, 2 the author's followers set, 3 readers (last read, by user), 4 follow start times hash,
--       5 the author's posts by id, 6.. the timelines
-- ARGV: 1 post id, 2 score, 3 cap, 4 active since (ms), 5 the author's id, 6 backfill count (`before`),
--       7.. the owner of each timeline (KEYS[i] for ARGV[i+1])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local score, cap, active_since, author = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local before = tonumber(ARGV[6])
-- A post from before a follow (its event came late) belongs in the follower's timeline only among
-- the author's newest `before` posts from before the follow began; writing it pushes out those it
-- displaces. The author's posts by id already hold it (the apply script wrote it there first).
-- Returns whether it belongs, and the ids it leaves out.
local function pre_follow(since)
  if before == 0 then return false, {} end
  local newest = redis.call('ZREVRANGEBYSCORE', KEYS[5], '(' .. since, '-inf', 'LIMIT', 0, before)
  for _, id in ipairs(newest) do
    if id == ARGV[1] then
      return true, redis.call('ZREVRANGEBYSCORE', KEYS[5], '(' .. since, '-inf', 'LIMIT', before, cap)
    end
  end
  return false, {}
end
for i = 6, #KEYS do
  local owner = ARGV[i + 1]
  local last = tonumber(redis.call('ZSCORE', KEYS[3], owner) or '0')
  if last >= active_since and redis.call('SISMEMBER', KEYS[2], owner) == 1 then
    local since = redis.call('HGET', KEYS[4], owner .. ':' .. author) or '0'
    if score >= tonumber(since) then
      redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1])
      redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
    else
      local belongs, displaced = pre_follow(since)
      if belongs then
        redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1])
        -- unpack has a limit (Lua's stack): a thousand at a time.
        for start = 1, #displaced, 1000 do
          redis.call('ZREM', KEYS[i], unpack(displaced, start, math.min(start + 999, #displaced)))
        end
        redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
      end
    end
  end
end
return 1
