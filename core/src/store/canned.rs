//! The department's canned replies, as last read from the server (at every
//! connect and at each change event), for the composer offline too.

use protocol as wire;
use rusqlite::{OptionalExtension, Row, params};

use super::Store;
use crate::error::CoreError;
use crate::types::CannedReplyItem;

fn from_row(r: &Row) -> rusqlite::Result<CannedReplyItem> {
    Ok(CannedReplyItem {
        id: r.get(0)?,
        department_id: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        updated_at_ms: r.get(4)?,
    })
}

impl Store {
    /// Replaces the cached replies with the server's list.
    pub fn set_canned_replies(&self, replies: &[wire::CannedReply]) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM canned_replies", [])?;
            for r in replies {
                put(&tx, r)?;
            }
            tx.commit()
        })
    }

    /// Stores one reply as the server answered it (created or edited).
    pub fn put_canned_reply(&self, reply: &wire::CannedReply) -> Result<(), CoreError> {
        self.with(|c| put(c, reply))
    }

    pub fn remove_canned_reply(&self, id: &str) -> Result<(), CoreError> {
        self.with(|c| {
            c.execute("DELETE FROM canned_replies WHERE id = ?1", [id])
                .map(drop)
        })
    }

    /// The replies of a department (of all, `None`) whose title contains
    /// `query` in any case, by title.
    pub fn canned_replies(
        &self,
        department_id: Option<&str>,
        query: &str,
    ) -> Result<Vec<CannedReplyItem>, CoreError> {
        let all = self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, department_id, title, body, updated_at FROM canned_replies
                 WHERE ?1 IS NULL OR department_id = ?1",
            )?;
            stmt.query_map([department_id], from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        // Compared in Rust: SQLite's lower() knows only ASCII.
        let query = query.trim().to_lowercase();
        let mut found: Vec<(String, CannedReplyItem)> = all
            .into_iter()
            .map(|r| (r.title.to_lowercase(), r))
            .filter(|(title, _)| title.contains(&query))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Ok(found.into_iter().map(|(_, r)| r).collect())
    }

    pub fn canned_reply(&self, id: &str) -> Result<Option<CannedReplyItem>, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT id, department_id, title, body, updated_at FROM canned_replies
                 WHERE id = ?1",
                [id],
                from_row,
            )
            .optional()
        })
    }
}

fn put(c: &rusqlite::Connection, r: &wire::CannedReply) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO canned_replies (id, department_id, title, body, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET department_id = excluded.department_id,
           title = excluded.title, body = excluded.body, updated_at = excluded.updated_at",
        params![
            r.id.to_string(),
            r.department_id.to_string(),
            r.title,
            r.body,
            r.updated_at.timestamp_millis(),
        ],
    )
    .map(drop)
}
