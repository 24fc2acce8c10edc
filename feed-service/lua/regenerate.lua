-- Brings a returning reader's home timeline up to date: fan-out skips the
-- timelines of readers who have not read for a while (inactive readers
-- cost nothing), so on their next read it is written anew as fan-out and
-- backfills make it, from the graph and the posts alone (which is also how
-- a rebuild's timelines come back): the reader's own newest posts, and for each
-- user named here whom they still follow (checked here, so an unfollow
-- applied meanwhile is not undone) and who is no celebrity (merged on read
-- anyway), every post since the follow began and the newest `before` of
-- those before it, from their posts by id. The caller names the sources a
-- chunk at a time; the first call marks the reader active, so a post
-- created from then on is fanned out to them, and one created before is in
-- its author's posts by id, which a later call of this reads.
--
-- KEYS: 1 the reader's timeline, 2 whom the reader follows, 3 celebrities set, 4 readers (last read, by user),
--       5 follow start times hash, 6.. posts by id of each source
-- ARGV: 1 the reader's id, 2 now (ms), 3 backfill count (`before`), 4 cap, 5 'first' for the first call (which
--       empties the timeline) or '', 6.. the user id of each of KEYS[6..]
local reader, before, cap = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[5] == 'first' then redis.call('UNLINK', KEYS[1]) end
redis.call('ZADD', KEYS[4], ARGV[2], reader)
local function add(rows)
  if #rows == 0 then return end
  local batch = {}
  for j = 1, #rows, 2 do
    batch[#batch + 1] = rows[j + 1]
    batch[#batch + 1] = rows[j]
  end
  redis.call('ZADD', KEYS[1], unpack(batch))
end
for i = 6, #KEYS do
  local owner = ARGV[i]
  if owner == reader then
    add(redis.call('ZREVRANGE', KEYS[i], 0, cap - 1, 'WITHSCORES'))
  elseif redis.call('SISMEMBER', KEYS[2], owner) == 1 and redis.call('SISMEMBER', KEYS[3], owner) == 0 then
    local since = redis.call('HGET', KEYS[5], reader .. ':' .. owner) or '0'
    add(redis.call('ZREVRANGEBYSCORE', KEYS[i], '+inf', since, 'WITHSCORES', 'LIMIT', 0, cap))
    if before > 0 then
      add(redis.call('ZREVRANGEBYSCORE', KEYS[i], '(' .. since, '-inf', 'WITHSCORES', 'LIMIT', 0, before))
    end
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -cap - 1)
return 1
