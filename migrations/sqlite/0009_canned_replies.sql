-- Canned replies, per department (see server/src/api/canned.rs). The title
-- is unique within its department regardless of case: `title_key` is the
-- lower-cased title, also what the search by title reads.
CREATE TABLE canned_replies (
    id            TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments (id),
    title         TEXT NOT NULL,
    title_key     TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_by    TEXT REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (department_id, title_key)
);
