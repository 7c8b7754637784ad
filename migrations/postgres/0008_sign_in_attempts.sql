-- Sign-in attempts, counted per source address and per email from an
-- address (see server/src/sign_in_throttle.rs). In the database so that
-- every instance shares the counts and a restart forgets none. Keys are
-- SHA-256 hex, so an attacker's long emails take no room.
CREATE TABLE sign_in_attempts (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_attempt_at BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_by_age ON sign_in_attempts (last_attempt_at);
