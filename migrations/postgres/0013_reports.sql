-- The daily report (see server/src/report/). Kept column-for-column
-- identical in migrations/sqlite and migrations/postgres.
--
-- The report job follows the change feed (tickets and timeline events past
-- its cursor) and records each reportable fact once, keyed by what it came
-- from, with the department, local day and agent it counts for. A day that
-- gained facts is marked dirty; its rows in report_days are then rebuilt
-- from its facts. Every step is idempotent, and the cursor, facts and marks
-- are committed together, so a restart at any point loses and doubles
-- nothing.
INSERT INTO counters (name, value) VALUES ('report_cursor', 0), ('report_as_of', 0);

CREATE TABLE report_facts (
    -- e.g. 'opened:<ticket id>', 'event:<timeline event id>', 'call:<call id>'
    id             TEXT PRIMARY KEY,
    department_id  TEXT NOT NULL,
    day            TEXT NOT NULL,          -- YYYY-MM-DD in the department's zone
    agent_id       TEXT NOT NULL,          -- '' when no agent
    kind           TEXT NOT NULL,
    value          BIGINT NOT NULL
);
-- Covers the rebuild of a day: counted by agent and kind, durations read.
CREATE INDEX report_facts_day ON report_facts (department_id, day, agent_id, kind, value);

CREATE TABLE report_dirty (
    department_id  TEXT NOT NULL,
    day            TEXT NOT NULL,
    -- Bumped by each new fact, so a rebuild that read older facts leaves
    -- the mark for the next pass.
    generation     BIGINT NOT NULL,
    PRIMARY KEY (department_id, day)
);

-- One row per department and day (agent_id ''), and per agent who did
-- anything that day. Durations in business seconds; *_hist are JSON
-- [[bucket, count], ...] so a range's percentiles can be estimated.
CREATE TABLE report_days (
    department_id           TEXT NOT NULL,
    day                     TEXT NOT NULL,
    agent_id                TEXT NOT NULL,
    opened                  BIGINT NOT NULL,
    resolved                BIGINT NOT NULL,
    reopened                BIGINT NOT NULL,
    first_response_count    BIGINT NOT NULL,
    first_response_median   BIGINT,
    first_response_p90      BIGINT,
    first_response_hist     TEXT NOT NULL,
    resolution_count        BIGINT NOT NULL,
    resolution_median       BIGINT,
    resolution_p90          BIGINT,
    resolution_hist         TEXT NOT NULL,
    sla_breaches            BIGINT NOT NULL,
    calls_placed            BIGINT NOT NULL,
    calls_answered          BIGINT NOT NULL,
    calls_missed            BIGINT NOT NULL,
    calls_declined          BIGINT NOT NULL,
    talk_secs               BIGINT NOT NULL,
    csat_count              BIGINT NOT NULL,
    csat_sum                BIGINT NOT NULL,
    PRIMARY KEY (department_id, day, agent_id)
);
