-- Up Migration
CREATE TABLE users (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Stored normalised (trimmed, lower case) by the service.
  email         text        NOT NULL,
  username      text        NOT NULL,
  password_hash text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email)
);
-- Usernames keep the case they were typed in but are unique regardless of it.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));

-- Down Migration
DROP TABLE users;
