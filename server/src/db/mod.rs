//! The store: one set of queries that runs on SQLite (the embedded default)
//! and on PostgreSQL (several server instances sharing one database).
//!
//! Both go through sqlx's `Any` driver, so a query is written once with `$N`
//! placeholders and only the plain types both dialects share: ids as UUID
//! text, times as microseconds (BIGINT), booleans. The few places where the
//! dialects truly differ (full-text search) branch on [`Dialect`].

mod checkpoint;
mod pool;
mod sql;
mod time;
mod write;

pub mod calls;
pub mod canned;
pub mod committed;
pub mod departments;
pub mod devices;
pub mod files;
pub mod messages;
pub mod push;
pub mod reads;
pub mod reports;
pub mod sessions;
pub mod sign_in_attempts;
pub mod sign_in_links;
pub mod sla;
pub mod sync;
pub mod tickets;
pub mod timeline;
pub mod tombstones;
pub mod users;

pub use pool::{Db, Dialect};
pub use sql::SqlBuilder;
pub use time::{from_micros, now_micros};
pub use write::WriteTx;
#[cfg(test)]
pub(crate) use write::feed_advanced_payload;

/// PostgreSQL refuses `NOTIFY` payloads of 8000 bytes or more.
pub(crate) const MAX_NOTIFY_BYTES: usize = 7_000;

use uuid::Uuid;

/// Parses an id column; the store only ever writes valid UUIDs.
pub(crate) fn parse_id(text: &str) -> Result<Uuid, sqlx::Error> {
    Uuid::parse_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub(crate) fn parse_opt_id(text: Option<String>) -> Result<Option<Uuid>, sqlx::Error> {
    text.as_deref().map(parse_id).transpose()
}

pub(crate) fn decode_err(message: impl Into<String>) -> sqlx::Error {
    sqlx::Error::Decode(message.into().into())
}
