-- Brings a returning reader's home timeline up to date: fan-out skips the
-- timelines of readers who have not read for a while (inactive readers
-- cost nothing), so on their next read it is written anew as fan-out and
-- backfills make it, from the graph and the posts alone (which is also how
-- a rebuild's timelines come back): the reader's own newest posts, and for
-- each user they still follow (checked here, so an unfollow applied
-- meanwhile is not undone) who is no celebrity (merged on read anyway),
-- every post since the follow began and the newest `before` of those
-- before it, from their posts by id.
--
-- In three steps, the caller's calls:
-- - 'begin': if the reader is still inactive (no other read began this
--   meanwhile), empties the timeline; marks the reader active, so posts and
--   follows from now on are fanned out and backfilled to them, and as being
--   regenerated, so that their pages answer 'inactive' until 'end' (a
--   regeneration cut short is done again, never served half-built); answers
--   whom they follow, as of now: the sources of the 'add' calls.
-- - 'add': writes the posts of a chunk of sources.
-- - 'end': trims to the cap and ends the regeneration.
--
-- KEYS: 1 the reader's timeline, 2 whom the reader follows, 3 celebrities set, 4 readers (last read, by user),
--       5 follow start times hash, 6 readers being regenerated (set), 7.. posts by id of each source ('add')
-- ARGV: 1 the reader's id, 2 now (ms), 3 backfill count (`before`), 4 cap, 5 'begin', 'add' or 'end',
--       6 active since (ms), 7.. the user id of each of KEYS[7..] ('add')
local reader, before, cap, step = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]

if step == 'begin' then
  if tonumber(redis.call('ZSCORE', KEYS[4], reader) or '0') < tonumber(ARGV[6]) then
    redis.call('UNLINK', KEYS[1])
  end
  redis.call('ZADD', KEYS[4], ARGV[2], reader)
  redis.call('SADD', KEYS[6], reader)
  return redis.call('SMEMBERS', KEYS[2])
end

if step == 'end' then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -cap - 1)
  redis.call('SREM', KEYS[6], reader)
  return 1
end

local function add(rows)
  -- unpack has a limit (Lua's stack): a thousand posts at a time.
  for start = 1, #rows, 2000 do
    local batch = {}
    for j = start, math.min(start + 1999, #rows), 2 do
      batch[#batch + 1] = rows[j + 1]
      batch[#batch + 1] = rows[j]
    end
    redis.call('ZADD', KEYS[1], unpack(batch))
  end
end
for i = 7, #KEYS do
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
-- Each chunk trimmed as it goes: a chunk of many sources must not grow the timeline far past its cap.
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -cap - 1)
return 1
