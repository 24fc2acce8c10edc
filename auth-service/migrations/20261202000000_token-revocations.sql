-- Up Migration
-- Logout revokes one access token by its id, until it would have expired
-- anyway; a password change voids all of a user's tokens by raising the
-- generation a token must carry (its `gen` claim). Every auth-service
-- instance holds both in memory, fed by NOTIFY auth_revocations.
CREATE TABLE revoked_tokens (
  jti        uuid        PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE users DROP COLUMN token_generation;
DROP TABLE revoked_tokens;
