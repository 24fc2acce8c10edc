-- One page of a home timeline, hydrated: the posts below a cursor (a score
-- and an id), newest first, each with its current snapshot, in one call.
--
-- A page merges the reader's timeline with the posts by id of every
-- celebrity the reader follows (authors not fanned out, apply-follow.lua).
-- Which those are is decided here, against the graph as it is now; the
-- caller passes the keys it expects (a script names every key it touches),
-- and when one is missing it gets the list instead and calls again.
--
-- Ids whose snapshot is gone (the post was deleted) are skipped, so a
-- deleted post is never shown, and removed from the timeline here: the
-- lazy trim. An id in several sources shows once.
--
-- Paging by (score, id) rather than by offset: posts arriving above the
-- cursor while a reader pages down neither shift nor repeat anything.
-- Within one score the sorted sets order ids by bytes, descending in a
-- reverse range, and so does the merge, so "below the cursor" is a lower
-- score, or the same score and a lower id.
--
-- A reader not seen since `active since` (inactive: fan-out skipped their
-- timeline) gets no page but 'inactive': the caller regenerates the
-- timeline (regenerate.lua) and calls again. An active reader's last read
-- is brought forward at most once a minute, so reads rarely write.
--
-- A reader whose regeneration has begun and not ended (one cut short) is
-- answered 'inactive' too: a page is never read from a half-built timeline.
--
-- KEYS: 1 the reader's timeline, 2 snapshots hash, 3 whom the reader follows, 4 celebrities set,
--       5 readers (last read, by user), 6 readers being regenerated (set),
--       7.. posts by id of celebrities the caller expects the reader to follow
-- ARGV: 1 how many posts at most, 2 the cursor's score ("" for the top), 3 the cursor's id, 4 the reader's id,
--       5 now (ms), 6 active since (ms), 7.. the user id of each of KEYS[7..], in order
-- Returns 'page', then id, score, snapshot JSON of each post in order;
-- 'inactive'; or 'celebrities', then every celebrity the reader follows,
-- when the caller's keys missed one of them.
local want, now = tonumber(ARGV[1]), tonumber(ARGV[5])

local last = tonumber(redis.call('ZSCORE', KEYS[5], ARGV[4]) or '0')
if last < tonumber(ARGV[6]) or redis.call('SISMEMBER', KEYS[6], ARGV[4]) == 1 then return { 'inactive' } end
if now - last > 60000 then redis.call('ZADD', KEYS[5], now, ARGV[4]) end

local expected = {}
for i = 7, #ARGV do expected[ARGV[i]] = KEYS[i] end
local sources = { KEYS[1] }
local followed = redis.call('SINTER', KEYS[3], KEYS[4])
for _, star in ipairs(followed) do
  if not expected[star] then return { 'celebrities', unpack(followed) } end
  sources[#sources + 1] = expected[star]
end

-- At most n rows (id, score, id, score...) of one source below a place (from the top without one).
local function below(source, score, id, n)
  local rows = {}
  if score then
    local same = redis.call('ZREVRANGEBYSCORE', source, score, score, 'WITHSCORES')
    for i = 1, #same, 2 do
      if same[i] < id and #rows < 2 * n then
        rows[#rows + 1] = same[i]
        rows[#rows + 1] = same[i + 1]
      end
    end
  end
  local more = n - #rows / 2
  if more > 0 then
    local top = score and ('(' .. score) or '+inf'
    local rest = redis.call('ZREVRANGEBYSCORE', source, top, '-inf', 'WITHSCORES', 'LIMIT', 0, more)
    for i = 1, #rest do rows[#rows + 1] = rest[i] end
  end
  return rows
end

local out = {}
local score, id = nil, nil
if ARGV[2] ~= '' then score, id = ARGV[2], ARGV[3] end
while true do
  -- Every source's next `want` below the place, merged: the first `want` of
  -- the merge are the next `want` of all (anything a source did not give
  -- has `want` of its own above it).
  local candidates, seen, truncated = {}, {}, false
  for _, source in ipairs(sources) do
    local rows = below(source, score, id, want)
    if #rows / 2 >= want then truncated = true end
    for i = 1, #rows, 2 do
      if not seen[rows[i]] then
        seen[rows[i]] = true
        candidates[#candidates + 1] = { id = rows[i], score = rows[i + 1], n = tonumber(rows[i + 1]) }
      end
    end
  end
  table.sort(candidates, function(a, b)
    if a.n ~= b.n then return a.n > b.n end
    return a.id > b.id
  end)
  local taken = math.min(want, #candidates)
  if taken == 0 then break end
  local ids = {}
  for i = 1, taken do ids[i] = candidates[i].id end
  local snapshots = redis.call('HMGET', KEYS[2], unpack(ids))
  local gone = {}
  for i = 1, taken do
    if not snapshots[i] then
      gone[#gone + 1] = ids[i]
    elseif #out < want * 3 then
      out[#out + 1] = ids[i]
      out[#out + 1] = candidates[i].score
      out[#out + 1] = snapshots[i]
    end
  end
  if #gone > 0 then redis.call('ZREM', KEYS[1], unpack(gone)) end
  if #out >= want * 3 or (not truncated and taken == #candidates) then break end
  score, id = candidates[taken].score, candidates[taken].id
end
return { 'page', unpack(out) }
