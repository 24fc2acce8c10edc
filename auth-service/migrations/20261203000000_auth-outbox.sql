-- Up Migration
-- The outbox of auth-events (common's PostgresOutboxLog): each revocation's
-- event, inserted in the revocation's transaction; read only by recovery.
CREATE TABLE auth_outbox (
  id           text        PRIMARY KEY,
  seq          bigint      GENERATED ALWAYS AS IDENTITY,
  instance     text        NOT NULL,
  committed_at timestamptz NOT NULL,
  key          text        NOT NULL,
  event        jsonb       NOT NULL,
  failed_at    timestamptz,
  failure      text
);
CREATE INDEX auth_outbox_recovery ON auth_outbox (instance, committed_at, seq) WHERE failed_at IS NULL;

-- How far each instance's commits are published, and its heartbeat.
CREATE TABLE auth_outbox_checkpoints (
  instance         text        PRIMARY KEY,
  published_before timestamptz NOT NULL,
  heartbeat        timestamptz NOT NULL
);

-- Down Migration
DROP TABLE auth_outbox_checkpoints;
DROP TABLE auth_outbox;
