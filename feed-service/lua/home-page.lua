-- One page of a home timeline, hydrated: the ids, newest first, below a
-- cursor (a score and an id), each with its post's current snapshot, in
-- one call. Ids whose snapshot is gone (the post was deleted) are skipped,
-- so a deleted post is never shown, and removed from the timeline here:
-- the lazy trim.
--
-- Paging by (score, id) rather than by offset: posts arriving above the
-- cursor while a reader pages down neither shift nor repeat anything.
-- Within one score the sorted set orders ids by bytes, descending in a
-- reverse range, so "below the cursor" is a lower score, or the same score
-- and a lower id.
--
-- KEYS: 1 the timeline, 2 snapshots hash
-- ARGV: 1 how many posts at most, 2 the cursor's score ("" for the top), 3 the cursor's id
-- Returns id, score, snapshot JSON, for each post in order.
local want = tonumber(ARGV[1])
local out = {}

-- rows: id, score, id, score... Answers how many of them were gone, which
-- are removed from the timeline right away, so that the next chunk's offset
-- counts live posts only: a timeline of many deleted posts costs one pass.
local function take(rows)
  if #rows == 0 then return 0 end
  local ids, gone = {}, {}
  for i = 1, #rows, 2 do ids[#ids + 1] = rows[i] end
  local snapshots = redis.call('HMGET', KEYS[2], unpack(ids))
  for i, id in ipairs(ids) do
    if not snapshots[i] then
      gone[#gone + 1] = id
    elseif #out < want * 3 then
      out[#out + 1] = id
      out[#out + 1] = rows[2 * i]
      out[#out + 1] = snapshots[i]
    end
  end
  if #gone > 0 then redis.call('ZREM', KEYS[1], unpack(gone)) end
  return #gone
end

local below = '+inf'
if ARGV[2] ~= '' then
  -- The cursor's own score: only ids under the cursor's (a timeline is capped, so so are these).
  local same = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2], 'WITHSCORES')
  local rows = {}
  for i = 1, #same, 2 do
    if same[i] < ARGV[3] then
      rows[#rows + 1] = same[i]
      rows[#rows + 1] = same[i + 1]
    end
  end
  take(rows)
  below = '(' .. ARGV[2]
end

-- Then in chunks of the page's size, past the live posts already taken.
local offset = 0
while #out < want * 3 do
  local rows = redis.call('ZREVRANGEBYSCORE', KEYS[1], below, '-inf', 'WITHSCORES', 'LIMIT', offset, want)
  local gone = take(rows)
  offset = offset + #rows / 2 - gone
  if #rows / 2 < want then break end
end
return out
