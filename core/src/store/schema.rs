//! The cache's schema, versioned with `PRAGMA user_version`: migration `n`
//! takes a database from version `n` to `n + 1`. Never edit a migration
//! that has shipped; add one.

use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
    // 1: tickets, messages, timeline, departments, the outbox, key/values.
    "CREATE TABLE tickets (
        id             TEXT PRIMARY KEY,
        number         INTEGER,
        subject        TEXT NOT NULL,
        status         TEXT NOT NULL,
        priority       INTEGER NOT NULL,
        department_id  TEXT NOT NULL,
        customer_id    TEXT NOT NULL,
        assignee_id    TEXT,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        version        INTEGER NOT NULL,
        send_state     TEXT NOT NULL,
        failure        TEXT
    );
    CREATE INDEX tickets_updated ON tickets (updated_at DESC, id DESC);
    CREATE TABLE messages (
        id           TEXT PRIMARY KEY,
        ticket_id    TEXT NOT NULL,
        author_id    TEXT NOT NULL,
        body         TEXT NOT NULL,
        internal     INTEGER NOT NULL,
        attachments  TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        send_state   TEXT NOT NULL,
        failure      TEXT
    );
    CREATE INDEX messages_ticket ON messages (ticket_id, created_at, id);
    CREATE TABLE timeline (
        id          TEXT PRIMARY KEY,
        ticket_id   TEXT NOT NULL,
        actor_id    TEXT,
        change      TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE INDEX timeline_ticket ON timeline (ticket_id, created_at, id);
    CREATE TABLE departments (
        id    TEXT PRIMARY KEY,
        name  TEXT NOT NULL
    );
    CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        kind        TEXT NOT NULL,
        target_id   TEXT NOT NULL,
        payload     TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'pending',
        failure     TEXT,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE meta (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );",
    // 2: people the user meets (names for authors and assignees), and
    // queue-friendly indexes.
    "CREATE TABLE users (
        id    TEXT PRIMARY KEY,
        name  TEXT NOT NULL,
        role  TEXT NOT NULL
    );
    CREATE INDEX tickets_status ON tickets (status, priority DESC, created_at);
    CREATE INDEX outbox_state ON outbox (state, seq);",
    // 3: staff presence (for colleagues), and read receipts.
    "ALTER TABLE users ADD COLUMN status TEXT;
    ALTER TABLE users ADD COLUMN colleague INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE reads (
        ticket_id   TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        read_at     INTEGER NOT NULL,
        PRIMARY KEY (ticket_id, user_id)
    );",
    // 4: the department's canned replies, for the composer offline too.
    "CREATE TABLE canned_replies (
        id             TEXT PRIMARY KEY,
        department_id  TEXT NOT NULL,
        title          TEXT NOT NULL,
        body           TEXT NOT NULL,
        updated_at     INTEGER NOT NULL
    );",
    // 5: the customer's satisfaction rating of a ticket (wire::Rating as JSON).
    "ALTER TABLE tickets ADD COLUMN rating TEXT;",
    // 6: service-level targets: the ticket's (wire::TicketSla as JSON), and
    // for the queue's "due soonest" and "at risk"/"breached" the earliest
    // unmet target's due time while the ticket runs (µs) and whether one
    // was missed. The next sync reads the feed from its start, so that
    // tickets cached before this get their targets.
    "ALTER TABLE tickets ADD COLUMN sla TEXT;
     ALTER TABLE tickets ADD COLUMN sla_due INTEGER;
     ALTER TABLE tickets ADD COLUMN sla_breached INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX tickets_sla_due ON tickets (sla_due) WHERE sla_due IS NOT NULL;
     DELETE FROM meta WHERE key = 'sync_cursor';",
];

pub fn version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| v as usize)
}

/// Applies the migrations after the database's version, up to `target`,
/// each in its own transaction with the version bump.
pub fn migrate_to(conn: &mut Connection, target: usize) -> rusqlite::Result<()> {
    let current = version(conn)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema as SQLite records it, in a stable order.
    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_database_made_by_the_first_schema_upgrades_to_the_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let old_path = dir.path().join("old.db");
        {
            let mut old = Connection::open(&old_path).unwrap();
            migrate_to(&mut old, 1).unwrap();
            assert_eq!(version(&old).unwrap(), 1);
            old.execute_batch(
                "INSERT INTO meta (key, value) VALUES ('sync_cursor', '42');
                 INSERT INTO tickets (id, subject, status, priority, department_id, customer_id,
                   created_at, updated_at, version, send_state)
                 VALUES ('t1', 'Refund', 'open', 1, 'd1', 'c1', 1, 2, 3, 'sent');",
            )
            .unwrap();
        }
        let mut upgraded = Connection::open(&old_path).unwrap();
        migrate(&mut upgraded).unwrap();
        let mut fresh = Connection::open(dir.path().join("fresh.db")).unwrap();
        migrate(&mut fresh).unwrap();

        assert_eq!(version(&upgraded).unwrap(), MIGRATIONS.len());
        assert_eq!(schema_of(&upgraded), schema_of(&fresh));
        let subject: String = upgraded
            .query_row("SELECT subject FROM tickets WHERE id = 't1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(subject, "Refund", "data survives the upgrade");
        let cursors: i64 = upgraded
            .query_row(
                "SELECT COUNT(*) FROM meta WHERE key = 'sync_cursor'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            cursors, 0,
            "the next sync reads the feed from its start, filling in what later migrations added"
        );
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let before = schema_of(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(schema_of(&conn), before);
    }
}
