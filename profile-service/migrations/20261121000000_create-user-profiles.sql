-- Up Migration
-- One profile per user. user_id is auth-service's user id; no foreign key,
-- because each service owns its own tables.
CREATE TABLE user_profiles (
  user_id      uuid        PRIMARY KEY,
  display_name text        NOT NULL,
  bio          text,
  avatar_url   text,
  location     text,
  website      text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE user_profiles;
