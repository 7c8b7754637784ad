-- Customer satisfaction (CSAT): the customer's one rating of a resolved
-- ticket (1-5, an optional comment), and when the server asked for it (the
-- first time the ticket was resolved; it asks once).
ALTER TABLE tickets ADD COLUMN rating_score BIGINT;
ALTER TABLE tickets ADD COLUMN rating_comment TEXT;
ALTER TABLE tickets ADD COLUMN rated_at BIGINT;
ALTER TABLE tickets ADD COLUMN rating_asked_at BIGINT;
