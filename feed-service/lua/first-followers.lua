-- The first chunk of an author's followers, as SSCAN answers it (a cursor,
-- "0" when that was all, and the followers): where a post's fan-out
-- begins. None for a celebrity, whose posts are merged into their
-- followers' pages on read instead of written into their timelines.
--
-- KEYS: 1 the author's followers set, 2 celebrities set
-- ARGV: 1 the author's id, 2 the chunk (SSCAN's COUNT)
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return { '0', {} } end
return redis.call('SSCAN', KEYS[1], '0', 'COUNT', ARGV[2])
