-- Writes a followee's recent posts into a new follower's home timeline, in
-- their places by score, while the follow still holds (checked here, in the
-- same atomic step, so a backfill never outlives the unfollow after it).
-- A post deleted since the caller read it (its snapshot gone) is left out,
-- so it takes no place under the cap. Ids already there change nothing: a
-- repeated backfill is harmless.
--
-- KEYS: 1 the followee's followers set, 2 the follower's timeline, 3 snapshots hash
-- ARGV: 1 follower id, 2 cap, 3.. score, post id, score, post id...
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
local batch = {}
local function flush()
  if #batch > 0 then redis.call('ZADD', KEYS[2], unpack(batch)) end
  batch = {}
end
for i = 3, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[3], ARGV[i + 1]) == 1 then
    batch[#batch + 1] = ARGV[i]
    batch[#batch + 1] = ARGV[i + 1]
    -- unpack has a limit (Lua's stack): ZADD a thousand pairs at a time.
    if #batch >= 2000 then flush() end
  end
end
flush()
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[2]) - 1)
return 1
