-- One-time sign-in links for customers that staff invited (an account
-- without a password; see server/src/api/customers.rs). Stored as SHA-256
-- hashes, like session tokens; a link is used once, before it expires.
CREATE TABLE sign_in_links (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_by  TEXT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX sign_in_links_by_user ON sign_in_links (user_id);
