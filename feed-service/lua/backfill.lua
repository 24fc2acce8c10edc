-- Writes a followee's newest posts into a new follower's home timeline, in
-- their places by score, while the follow still holds (checked here, in the
-- same atomic step, so a backfill never outlives the unfollow after it).
-- They come from the followee's posts by id, which a deletion leaves at
-- once, so no deleted post takes a place under the cap. A celebrity's
-- posts are merged into pages on read instead, so nothing is copied. Ids
-- already there change nothing: a repeated backfill is harmless.
--
-- KEYS: 1 the followee's followers set, 2 the follower's timeline, 3 the followee's posts by id,
--       4 celebrities set
-- ARGV: 1 follower id, 2 followee id, 3 how many posts, 4 cap
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1 then return 0 end
local want = tonumber(ARGV[3])
-- unpack has a limit (Lua's stack): a thousand posts at a time.
for start = 0, want - 1, 1000 do
  local rows = redis.call('ZREVRANGE', KEYS[3], start, math.min(start + 1000, want) - 1, 'WITHSCORES')
  if #rows == 0 then break end
  local batch = {}
  for i = 1, #rows, 2 do
    batch[#batch + 1] = rows[i + 1]
    batch[#batch + 1] = rows[i]
  end
  redis.call('ZADD', KEYS[2], unpack(batch))
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[4]) - 1)
return 1
