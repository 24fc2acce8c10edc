-- Brings a returning reader's home timeline up to date: fan-out skips the
-- timelines of readers who have not read for a while (inactive readers
-- cost nothing), so on their next read each source's newest posts are
-- written into it, in their places by score, from their posts by id: the
-- reader's own and those of each user named here whom they still follow
-- (checked here, so an unfollow applied meanwhile is not undone) and who
-- is no celebrity (merged on read anyway). The caller names the sources a
-- chunk at a time; the first call marks the reader active, so a post
-- created from then on is fanned out to them, and one created before is in
-- its author's posts by id, which a later call of this reads.
--
-- KEYS: 1 the reader's timeline, 2 whom the reader follows, 3 celebrities set, 4 readers (last read, by user),
--       5.. posts by id of each source
-- ARGV: 1 the reader's id, 2 now (ms), 3 posts per source, 4 cap, 5.. the user id of each of KEYS[5..], in order
local reader, per_source = ARGV[1], tonumber(ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[2], reader)
for i = 5, #KEYS do
  local owner = ARGV[i]
  local theirs = owner == reader
    or (redis.call('SISMEMBER', KEYS[2], owner) == 1 and redis.call('SISMEMBER', KEYS[3], owner) == 0)
  if theirs and per_source > 0 then
    local rows = redis.call('ZREVRANGE', KEYS[i], 0, per_source - 1, 'WITHSCORES')
    local batch = {}
    for j = 1, #rows, 2 do
      batch[#batch + 1] = rows[j + 1]
      batch[#batch + 1] = rows[j]
    end
    if #batch > 0 then redis.call('ZADD', KEYS[1], unpack(batch)) end
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[4]) - 1)
return 1
