-- Voice calls, and the overflow of large bus messages.
-- Kept column-for-column identical in migrations/sqlite and migrations/postgres.

CREATE TABLE calls (
    id             TEXT PRIMARY KEY,
    ticket_id      TEXT NOT NULL REFERENCES tickets(id),
    caller_id      TEXT NOT NULL REFERENCES users(id),
    -- The device (session token hash) that placed the call: signalling for
    -- the caller goes to it alone.
    caller_token   TEXT NOT NULL,
    callee_id      TEXT REFERENCES users(id),
    callee_token   TEXT,
    -- JSON array of the user ids rung.
    ringing        TEXT NOT NULL,
    state          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    -- Still ringing after this (micros): missed.
    ring_deadline  BIGINT NOT NULL,
    accepted_at    BIGINT,
    ended_at       BIGINT
);
CREATE INDEX calls_state_deadline ON calls (state, ring_deadline);
CREATE INDEX calls_ticket ON calls (ticket_id);

-- PostgreSQL's NOTIFY carries at most 8000 bytes; a bus message larger than
-- that (an SDP offer, say) is stored here and the notification names it.
CREATE TABLE bus_spill (
    id          TEXT PRIMARY KEY,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
