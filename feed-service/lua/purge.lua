-- Takes every post of a followee out of a follower's home timeline after an
-- unfollow, the follower's own and the others' left as they are. A timeline
-- holds ids only, so the authors come from the posts' snapshots, read here
-- rather than sent to the caller; an id without one is a deleted post,
-- which is never shown and goes too. Nothing of the followee comes in
-- after this: the unfollow is already in the graph, which every fan-out
-- and backfill checks as it writes.
--
-- KEYS: 1 the follower's timeline, 2 snapshots hash
-- ARGV: 1 the followee's id
-- Returns how many ids left the timeline.
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local removed = 0
-- unpack has a limit (Lua's stack): a thousand at a time.
for start = 1, #ids, 1000 do
  local chunk = { unpack(ids, start, math.min(start + 999, #ids)) }
  local snapshots = redis.call('HMGET', KEYS[2], unpack(chunk))
  local theirs = {}
  for i, id in ipairs(chunk) do
    if not snapshots[i] or cjson.decode(snapshots[i]).author_id == ARGV[1] then theirs[#theirs + 1] = id end
  end
  if #theirs > 0 then removed = removed + redis.call('ZREM', KEYS[1], unpack(theirs)) end
end
return removed
