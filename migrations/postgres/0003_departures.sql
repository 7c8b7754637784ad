-- Tombstones of the sync feed: a ticket that left a department (transferred)
-- is news for that department's staff, who can no longer read its rows and
-- must drop it from their caches. Written with a feed position in the same
-- transaction as the transfer, so /v1/sync and the feed follower read it in
-- feed order with everything else.
-- Kept column-for-column identical to migrations/sqlite/0003_departures.sql.

CREATE TABLE ticket_departures (
    seq            BIGINT PRIMARY KEY,                      -- feed position
    ticket_id      TEXT NOT NULL REFERENCES tickets(id),
    department_id  TEXT NOT NULL REFERENCES departments(id), -- the department it left
    departed_at    BIGINT NOT NULL
);
-- Sync reads one department's departures after a cursor.
CREATE INDEX ticket_departures_department ON ticket_departures (department_id, seq);
