-- Applies one post event to the feeds, atomically (one script) and
-- idempotently (a per-post version: an event not newer than the last one
-- applied changes nothing).
--
-- Each feed is a list, newest first by sort key (created_at|post id), not by
-- arrival, plus a sorted set "window" of the sort keys of the newest `cap`
-- posts ever created in it. A deleted post leaves the list but stays in the
-- window, so an older post never slides back in. The result depends only on
-- which events were applied, never on the order partitions were read in:
-- replaying the log rebuilds exactly the same feeds.
--
-- Beside the feeds, the post's current snapshot is kept once, in a hash by
-- post id, for the home timelines, which hold ids only: a change is one
-- HSET there, a deletion one HDEL. A creation's id goes, in the same atomic
-- step, into its author's own home timeline and the author's posts by id
-- (what a follow backfills from, an unfollow purges by, and a celebrity's
-- followers read merged into their pages), both capped like a home
-- timeline; a deletion takes it out of both. The followers' timelines are
-- the fan-out's (fan-out.lua), a chunk at a time.
--
-- Each change applied is also added to the changes stream (capped to the
-- newest `window` of them, about: what a live stream resumes from), in the
-- same atomic step, so whoever reads it sees every change once, in the
-- order applied (live.ts).
--
-- KEYS: 1 global list, 2 global window, 3 author list, 4 author window, 5 versions hash, 6 stats hash,
--       7 snapshots hash, 8 the author's home timeline, 9 the author's posts by id, 10 changes stream
-- ARGV: 1 type, 2 post id, 3 version, 4 item JSON ("" for a delete), 5 sort key, 6 global cap, 7 author cap, 8 event time,
--       9 snapshot JSON ("" for a delete), 10 home timeline cap, 11 home score (creation time, ms),
--       12 the author's id, 13 changes kept in the stream
-- Returns 0 when stale or repeated, 1 when applied, 2 when applied as the
-- post's creation (a creation, or an edit standing in for one): what
-- home timelines fan out.
local kind, id, version, item, key = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]

local seen = tonumber(redis.call('HGET', KEYS[5], id) or '0')
if version <= seen then
  redis.call('HINCRBY', KEYS[6], 'duplicates_skipped', 1)
  return 0
end
redis.call('HSET', KEYS[5], id, version)

local function sortkey(v) return string.match(v, '"sort_key":"([^"]*)"') end

-- Walks a list in chunks from its head, or from its tail, until `visit`
-- answers something other than nil (false: stop, found nothing). A search
-- that ends near where it starts reads that end of the list only, not all of
-- its items: new posts land near the head, the oldest leaves at the tail.
local CHUNK = 32
local function scan(list, from_tail, visit)
  local start = 0
  while true do
    local items
    if from_tail then
      items = redis.call('LRANGE', list, -start - CHUNK, -start - 1)
    else
      items = redis.call('LRANGE', list, start, start + CHUNK - 1)
    end
    local first, last, step = 1, #items, 1
    if from_tail then first, last, step = #items, 1, -1 end
    for i = first, last, step do
      local answer = visit(items[i])
      if answer ~= nil then return answer end
    end
    if #items < CHUNK then return false end
    start = start + CHUNK
  end
end

-- Items are JSON objects whose first member is "id", so a plain prefix finds
-- one. The list is sorted by sort key, newest first: knowing the post's key,
-- the search stops where the post would have had to be.
local function find(list, post, post_key, from_tail)
  local needle = '{"id":"' .. post .. '"'
  return scan(list, from_tail, function(v)
    if string.sub(v, 1, #needle) == needle then return v end
    if post_key then
      local k = sortkey(v)
      if (from_tail and k > post_key) or (not from_tail and k < post_key) then return false end
    end
    return nil
  end)
end

local function remove(list, post, post_key, from_tail)
  local old = find(list, post, post_key, from_tail)
  if old then redis.call('LREM', list, 1, old) end
end

-- Inserts at its place by sort key; new posts usually belong at the head.
local function place(list, replace)
  if replace then remove(list, id, key) end
  local head = redis.call('LINDEX', list, 0)
  if not head or sortkey(head) < key then
    redis.call('LPUSH', list, item)
    return
  end
  local before = scan(list, false, function(v)
    if sortkey(v) < key then return v end
    return nil
  end)
  if before then
    redis.call('LINSERT', list, 'BEFORE', before, item)
  else
    redis.call('RPUSH', list, item)
  end
end

local function created(list, window, cap)
  redis.call('ZADD', window, 0, key)
  if redis.call('ZCARD', window) > cap then
    local evicted = redis.call('ZPOPMIN', window)[1]
    if evicted == key then return end -- older than everything kept
    local gone = string.match(evicted, '|(.*)$')
    -- The oldest post is normally the last item: drop it without a scan.
    local tail = redis.call('LINDEX', list, -1)
    if tail and string.sub(tail, 1, #gone + 8) == '{"id":"' .. gone .. '"' then
      redis.call('RPOP', list)
    else
      -- Not there (deleted) or not last: look from the tail, up to the first newer item.
      remove(list, gone, evicted, true)
    end
  end
  place(list, false)
end

if kind == 'post.deleted' then
  redis.call('HDEL', KEYS[7], id)
  redis.call('ZREM', KEYS[8], id)
  redis.call('ZREM', KEYS[9], id)
else
  redis.call('HSET', KEYS[7], id, ARGV[9])
end

local feeds = { { KEYS[1], KEYS[2], tonumber(ARGV[6]) }, { KEYS[3], KEYS[4], tonumber(ARGV[7]) } }
for _, f in ipairs(feeds) do
  if kind == 'post.created' then
    created(f[1], f[2], f[3])
  elseif kind == 'post.updated' then
    if redis.call('ZSCORE', f[2], key) then
      place(f[1], true)
    elseif seen == 0 then
      -- Nothing of this post applied yet: its creation comes later (another
      -- instance published it after this edit) and will be skipped as older.
      -- The edit carries the whole post, so it stands in for the creation.
      created(f[1], f[2], f[3])
    end
  elseif kind == 'post.deleted' then
    remove(f[1], id) -- a deletion carries no creation time: the whole list may be read
  end
end

redis.call('HINCRBY', KEYS[6], 'events_applied', 1)
redis.call('HSET', KEYS[6], 'last_event_at', ARGV[8])
-- Ids only: the post's snapshot is the hash's, read by whoever streams it.
redis.call('XADD', KEYS[10], 'MAXLEN', '~', ARGV[13], '*', 'type', kind, 'post', id, 'author', ARGV[12])
if kind == 'post.created' or (kind == 'post.updated' and seen == 0) then
  for _, timeline in ipairs({ KEYS[8], KEYS[9] }) do
    redis.call('ZADD', timeline, ARGV[11], id)
    redis.call('ZREMRANGEBYRANK', timeline, 0, -tonumber(ARGV[10]) - 1)
  end
  return 2
end
return 1
