-- Writes a followee's posts into a new follower's home timeline, in their
-- places by score, while the follow still holds (checked here, in the same
-- atomic step, so a backfill never outlives the unfollow after it): every
-- post created since the follow began (a replay may apply the follow before
-- them) and the newest `count` of those before. Fan-out writes the same
-- (fan-out.lua), so a timeline holds the same posts whichever came first.
-- They come from the followee's posts by id, which a deletion leaves at
-- once. A celebrity's posts are merged into pages on read instead, so
-- nothing is copied. Ids already there change nothing: a repeated backfill
-- is harmless.
--
-- An inactive follower's timeline is left alone: their next read
-- regenerates it whole (regenerate.lua).
--
-- KEYS: 1 the followee's followers set, 2 the follower's timeline, 3 the followee's posts by id,
--       4 celebrities set, 5 follow start times hash, 6 readers (last read, by user)
-- ARGV: 1 follower id, 2 followee id, 3 how many posts from before the follow, 4 cap, 5 active since (ms)
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1 then return 0 end
if tonumber(redis.call('ZSCORE', KEYS[6], ARGV[1]) or '0') < tonumber(ARGV[5]) then return 0 end
local since = redis.call('HGET', KEYS[5], ARGV[1] .. ':' .. ARGV[2]) or '0'
local cap, before = tonumber(ARGV[4]), tonumber(ARGV[3])
local function add(rows)
  -- unpack has a limit (Lua's stack): a thousand posts at a time.
  for start = 1, #rows, 2000 do
    local batch = {}
    for i = start, math.min(start + 1999, #rows), 2 do
      batch[#batch + 1] = rows[i + 1]
      batch[#batch + 1] = rows[i]
    end
    redis.call('ZADD', KEYS[2], unpack(batch))
  end
end
add(redis.call('ZREVRANGEBYSCORE', KEYS[3], '+inf', since, 'WITHSCORES', 'LIMIT', 0, cap))
if before > 0 then
  add(redis.call('ZREVRANGEBYSCORE', KEYS[3], '(' .. since, '-inf', 'WITHSCORES', 'LIMIT', 0, before))
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -cap - 1)
return 1
