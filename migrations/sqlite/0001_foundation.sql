-- Accounts, departments, tickets, messages, files, timeline and the sync feed.
-- Kept column-for-column identical to migrations/postgres/0001_foundation.sql:
-- ids are UUID text, times are microseconds since the Unix epoch (BIGINT),
-- booleans are BIGINT 0/1 (sqlx's Any driver cannot read SQLite booleans).

CREATE TABLE departments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,   -- stored lower-cased
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'supervisor', 'admin')),
    department_id  TEXT REFERENCES departments(id),
    status         TEXT NOT NULL DEFAULT 'off' CHECK (status IN ('active', 'off')),
    disabled       BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX users_department ON users (department_id, role);

-- Bearer tokens, stored as SHA-256 hashes so a database leak reveals none.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Named counters. 'feed' is the last position handed out on the change feed;
-- writers lock its row for the whole transaction, so positions become
-- visible in the order they were given (see server/src/db/write.rs).
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('feed', 0), ('ticket_number', 1000);

CREATE TABLE tickets (
    id             TEXT PRIMARY KEY,
    number         BIGINT NOT NULL UNIQUE,
    subject        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    priority       BIGINT NOT NULL CHECK (priority BETWEEN 0 AND 3),
    department_id  TEXT NOT NULL REFERENCES departments(id),
    customer_id    TEXT NOT NULL REFERENCES users(id),
    assignee_id    TEXT REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    closed_at      BIGINT,
    version        BIGINT NOT NULL,
    seq            BIGINT NOT NULL UNIQUE
);
-- Department queues: by status then priority (most pressing, oldest first) or recency.
CREATE INDEX tickets_dept_status_priority ON tickets (department_id, status, priority DESC, created_at, id);
CREATE INDEX tickets_dept_status_updated ON tickets (department_id, status, updated_at DESC, id DESC);
CREATE INDEX tickets_dept_updated ON tickets (department_id, updated_at DESC, id DESC);
CREATE INDEX tickets_customer_updated ON tickets (customer_id, updated_at DESC, id DESC);
CREATE INDEX tickets_assignee_updated ON tickets (assignee_id, updated_at DESC, id DESC);
CREATE INDEX tickets_updated ON tickets (updated_at DESC, id DESC);
-- The sync feed, per visibility scope.
CREATE INDEX tickets_customer_seq ON tickets (customer_id, seq);
CREATE INDEX tickets_dept_seq ON tickets (department_id, seq);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets(id),
    author_id   TEXT NOT NULL REFERENCES users(id),
    body        TEXT NOT NULL,
    internal    BIGINT NOT NULL CHECK (internal IN (0, 1)),
    created_at  BIGINT NOT NULL,
    seq         BIGINT NOT NULL UNIQUE
);
CREATE INDEX messages_ticket ON messages (ticket_id, seq);

CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    uploader_id   TEXT NOT NULL REFERENCES users(id),
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    content_type  TEXT NOT NULL,
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    -- Set once, when a message takes the file as an attachment.
    message_id    TEXT REFERENCES messages(id),
    ticket_id     TEXT REFERENCES tickets(id)
);
CREATE INDEX files_message ON files (message_id);

CREATE TABLE timeline_events (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets(id),
    actor_id    TEXT REFERENCES users(id),   -- NULL: the server (routing)
    change      TEXT NOT NULL,   -- JSON of protocol::TimelineChange
    created_at  BIGINT NOT NULL,
    seq         BIGINT NOT NULL UNIQUE
);
CREATE INDEX timeline_ticket ON timeline_events (ticket_id, seq);

-- Full-text search over subjects and message bodies. `internal` rows are
-- searched only for staff.
CREATE VIRTUAL TABLE ticket_search USING fts5 (
    text,
    ticket_id UNINDEXED,
    internal UNINDEXED
);
