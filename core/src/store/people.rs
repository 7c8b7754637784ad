//! People in the cache: names for authors, customers, assignees and actors
//! (from sync), colleagues with their presence (from `/v1/staff` and
//! presence events), and read receipts.

use std::collections::HashMap;

use protocol as wire;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{Store, micros_to_ms};
use crate::error::CoreError;
use crate::types::*;

/// Stores names and roles; presence and colleague flags are left as they are.
pub(super) fn put_users(c: &Connection, users: &[wire::UserSummary]) -> rusqlite::Result<()> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO users (id, name, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role",
    )?;
    for u in users {
        stmt.execute(params![u.id.to_string(), u.name, u.role.as_str()])?;
    }
    Ok(())
}

/// Every known name by id: users and departments, to describe changes.
pub(super) fn names(c: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut stmt =
        c.prepare_cached("SELECT id, name FROM users UNION ALL SELECT id, name FROM departments")?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

fn staff_status(text: Option<String>) -> StaffStatus {
    match text.as_deref().and_then(wire::StaffStatus::parse) {
        Some(s) => s.into(),
        None => StaffStatus::Off,
    }
}

impl Store {
    pub fn put_users(&self, users: &[wire::UserSummary]) -> Result<(), CoreError> {
        self.with(|c| put_users(c, users))
    }

    /// Of `ids`, those whose name is not cached.
    pub fn missing_users(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?;
            let mut missing = Vec::new();
            for id in ids {
                if stmt
                    .query_row([id.to_string()], |_| Ok(()))
                    .optional()?
                    .is_none()
                {
                    missing.push(*id);
                }
            }
            Ok(missing)
        })
    }

    pub fn user_name(&self, id: &str) -> Result<Option<String>, CoreError> {
        self.with(|c| {
            c.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| r.get(0))
                .optional()
        })
    }

    /// Replaces the colleagues with `staff` (from `GET /v1/staff`).
    pub fn set_colleagues(&self, staff: &[wire::User]) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute("UPDATE users SET colleague = 0 WHERE colleague = 1", [])?;
            for u in staff {
                tx.execute(
                    "INSERT INTO users (id, name, role, status, colleague)
                     VALUES (?1, ?2, ?3, ?4, 1)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                       role = excluded.role, status = excluded.status, colleague = 1",
                    params![
                        u.id.to_string(),
                        u.name,
                        u.role.as_str(),
                        u.status.map(|s| s.as_str()),
                    ],
                )?;
            }
            tx.commit()
        })
    }

    /// Colleagues by name, with their status.
    pub fn colleagues(&self) -> Result<Vec<Colleague>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, name, role, status FROM users WHERE colleague = 1 ORDER BY name, id",
            )?;
            stmt.query_map([], |r| {
                let role: String = r.get(2)?;
                Ok(Colleague {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: wire::Role::parse(&role).unwrap_or(wire::Role::Agent).into(),
                    status: staff_status(r.get(3)?),
                })
            })?
            .collect()
        })
    }

    /// A presence event; whether a cached user's status changed.
    pub fn set_presence(
        &self,
        user_id: Uuid,
        status: wire::StaffStatus,
    ) -> Result<bool, CoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE users SET status = ?2 WHERE id = ?1 AND status IS NOT ?2",
                params![user_id.to_string(), status.as_str()],
            )
            .map(|n| n > 0)
        })
    }

    /// Stores a read receipt unless a later one of that reader is cached.
    pub fn put_read(&self, r: &wire::ReadReceipt) -> Result<(), CoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO reads (ticket_id, user_id, message_id, read_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (ticket_id, user_id) DO UPDATE SET message_id = excluded.message_id,
                   read_at = excluded.read_at WHERE excluded.read_at >= reads.read_at",
                params![
                    r.ticket_id.to_string(),
                    r.user_id.to_string(),
                    r.message_id.to_string(),
                    r.read_at.timestamp_micros(),
                ],
            )
            .map(|_| ())
        })
    }

    pub fn reads(&self, ticket_id: &str) -> Result<Vec<ReadMarker>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT r.user_id, u.name, r.message_id, r.read_at
                 FROM reads r LEFT JOIN users u ON u.id = r.user_id
                 WHERE r.ticket_id = ?1 ORDER BY r.read_at, r.user_id",
            )?;
            stmt.query_map([ticket_id], |r| {
                Ok(ReadMarker {
                    user_id: r.get(0)?,
                    user_name: r.get(1)?,
                    message_id: r.get(2)?,
                    read_at_ms: micros_to_ms(r.get(3)?),
                })
            })?
            .collect()
        })
    }
}
