-- Writes a followee's recent posts into a new follower's home timeline, in
-- their places by score, while the follow still holds (checked here, in the
-- same atomic step, so a backfill never outlives the unfollow after it).
-- Ids already there change nothing: a repeated backfill is harmless.
--
-- KEYS: 1 the followee's followers set, 2 the follower's timeline
-- ARGV: 1 follower id, 2 cap, 3.. score, post id, score, post id...
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
if #ARGV > 2 then redis.call('ZADD', KEYS[2], unpack(ARGV, 3)) end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[2]) - 1)
return 1
