-- Routing and read receipts.

-- When routing last gave this staff member a ticket: ties between equally
-- loaded staff go to whoever has waited longest (NULL: never).
ALTER TABLE users ADD COLUMN last_assigned_at BIGINT;

-- (Each staff member's open tickets are counted through tickets_assignee_updated.)
-- The department queue: unassigned tickets, oldest first.
CREATE INDEX tickets_dept_unassigned ON tickets (department_id, assignee_id, created_at);

-- How far each participant has read each ticket.
CREATE TABLE read_markers (
    ticket_id    TEXT NOT NULL REFERENCES tickets(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    message_id   TEXT NOT NULL REFERENCES messages(id),
    message_seq  BIGINT NOT NULL,
    read_at      BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);
