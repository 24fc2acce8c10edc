-- Records one revocation of access tokens (auth-events) and adds it to the
-- changes stream, atomically, so that every instance ends the live home
-- streams the revoked tokens opened (live.ts), and one that opens a stream
-- just after still finds the revocation recorded. Applying it again (while
-- the token lives) changes nothing and adds nothing.
--
-- A token is recorded until it would have expired anyway (no stream can be
-- opened with it after that): a sorted set of jtis scored by expiry, pruned
-- here of those past it. A user's generation, below which every token of
-- theirs is void, only ever rises.
--
-- KEYS: 1 revoked tokens sorted set (jti → expiry, seconds), 2 token generations hash (user → generation),
--       3 changes stream
-- ARGV: 1 'token' or 'generation', 2 user id, 3 the token's jti or the generation, 4 when the token expires
--       (seconds; 0 for a generation), 5 the event's type, 6 changes kept in the stream, 7 now (seconds)
-- Returns 1 when recorded, 0 when it was already.
local kind, user = ARGV[1], ARGV[2]
if kind == 'token' then
  if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[7])
  local expires = tonumber(ARGV[4])
  if expires > tonumber(ARGV[7]) then redis.call('ZADD', KEYS[1], expires, ARGV[3]) end
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'type', ARGV[5], 'user', user, 'jti', ARGV[3])
else
  local generation = tonumber(ARGV[3])
  if (tonumber(redis.call('HGET', KEYS[2], user)) or 0) >= generation then return 0 end
  redis.call('HSET', KEYS[2], user, generation)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'type', ARGV[5], 'user', user, 'generation', generation)
end
return 1
