-- Service-level targets (see server/src/sla/). A department's policy is one
-- JSON document (protocol::SlaPolicy): time zone, opening hours, holidays
-- and targets per priority, read whole whenever a due time is computed.
CREATE TABLE sla_policies (
    department_id TEXT PRIMARY KEY REFERENCES departments (id),
    policy        TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Each ticket's due times, when each target was met (kept without targets
-- too: the daily report reads them), and when it was missed.
ALTER TABLE tickets ADD COLUMN first_response_due_at BIGINT;
ALTER TABLE tickets ADD COLUMN first_responded_at BIGINT;
ALTER TABLE tickets ADD COLUMN first_response_breached_at BIGINT;
ALTER TABLE tickets ADD COLUMN resolution_due_at BIGINT;
ALTER TABLE tickets ADD COLUMN first_resolved_at BIGINT;
ALTER TABLE tickets ADD COLUMN resolution_breached_at BIGINT;

-- The breach watcher's scans: only targets still running are indexed.
CREATE INDEX tickets_first_response_due ON tickets (first_response_due_at)
    WHERE first_responded_at IS NULL AND first_response_breached_at IS NULL;
CREATE INDEX tickets_resolution_due ON tickets (resolution_due_at)
    WHERE first_resolved_at IS NULL AND resolution_breached_at IS NULL;
