-- An operator manages people: a user may be disabled (no sign-in, every session ended at once), and every session
-- issued before `sessions_valid_after` is void (set on disabling and on a password reset). Each change an operator
-- makes to a user is recorded with who made it.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
ALTER TABLE users ADD COLUMN sessions_valid_after timestamptz;
-- The edges load the recent ones at start: sessions live a few hours at most, older ones void nothing.
CREATE INDEX users_sessions_valid_after_idx ON users (sessions_valid_after) WHERE sessions_valid_after IS NOT NULL;

CREATE TABLE user_audit (
  id          bigserial PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id),
  at          timestamptz NOT NULL DEFAULT now(),
  actor_id    uuid NOT NULL REFERENCES users (id),
  field       text NOT NULL,
  from_value  jsonb,
  to_value    jsonb
);
CREATE INDEX user_audit_user_idx ON user_audit (user_id, id DESC);
