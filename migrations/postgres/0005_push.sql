-- Push notifications: registered devices, which sessions hold a live
-- WebSocket (on any instance), and the durable queue of pushes to send.
-- Kept column-for-column identical in migrations/sqlite and migrations/postgres.

-- A device's FCM registration token, owned by the user who registered it
-- last, and the session (token hash) that registered it: signing out of that
-- session drops the device, and the device is "live" while that session has
-- a WebSocket.
CREATE TABLE devices (
    token         TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    platform      TEXT NOT NULL CHECK (platform IN ('android', 'ios')),
    session_hash  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_session ON devices (session_hash);

-- Sessions with a WebSocket open on some instance. Each instance refreshes
-- its rows' seen_at on a heartbeat; rows of a crashed instance stop being
-- refreshed and count as gone once older than the expiry.
CREATE TABLE live_sessions (
    token_hash   TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    seen_at      BIGINT NOT NULL,
    PRIMARY KEY (token_hash, instance_id)
);

-- One push to one device. `message` is the FCM HTTP v1 message without its
-- `token` (added at send time); `id` is the push_id carried in its data.
-- state: pending (due at due_at) -> sending (claimed by an instance until
-- claim_expires) -> sent | failed | expired | cancelled.
CREATE TABLE push_queue (
    id             TEXT PRIMARY KEY,
    device_token   TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    -- The call an incoming_call / stop_ringing push is about.
    call_id        TEXT,
    message        TEXT NOT NULL,
    state          TEXT NOT NULL,
    attempts       BIGINT NOT NULL DEFAULT 0,
    due_at         BIGINT NOT NULL,
    -- Not worth sending after this (a call that no longer rings).
    expires_at     BIGINT,
    claimed_by     TEXT,
    claim_expires  BIGINT,
    last_error     TEXT,
    created_at     BIGINT NOT NULL,
    sent_at        BIGINT
);
CREATE INDEX push_queue_due ON push_queue (state, due_at);
CREATE INDEX push_queue_device ON push_queue (device_token);
CREATE INDEX push_queue_call ON push_queue (call_id);

-- The push follower's position on the change feed: it starts at the
-- current end (nothing already written is pushed when push is deployed).
INSERT INTO counters (name, value) SELECT 'push_feed', value FROM counters WHERE name = 'feed';
