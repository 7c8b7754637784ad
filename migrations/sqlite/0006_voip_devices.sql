-- iPhones register their PushKit VoIP token as a device of its own kind,
-- `ios_voip`: incoming calls reach it through APNs, nothing else does.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE devices_new (
    token         TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    platform      TEXT NOT NULL CHECK (platform IN ('android', 'ios', 'ios_voip')),
    session_hash  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
INSERT INTO devices_new (token, user_id, platform, session_hash, created_at, updated_at)
    SELECT token, user_id, platform, session_hash, created_at, updated_at FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_session ON devices (session_hash);
