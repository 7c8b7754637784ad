//! The push queue, the live-session table and the push follower's cursor.
//!
//! A push row moves pending -> sending (claimed by one instance until its
//! claim expires) -> sent | failed | expired | cancelled. Claims are
//! conditional updates, so two instances never send the same row at once;
//! a crashed instance's claims lapse and the rows are claimed again.

use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{Db, Dialect, SqlBuilder};

/// The service that delivers a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Firebase Cloud Messaging: Android, and iOS alerts through Firebase.
    Fcm,
    /// APNs itself: PushKit VoIP pushes to `ios_voip` devices.
    Apns,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Fcm => "fcm",
            Service::Apns => "apns",
        }
    }

    fn parse(value: &str) -> Result<Service, sqlx::Error> {
        match value {
            "fcm" => Ok(Service::Fcm),
            "apns" => Ok(Service::Apns),
            other => Err(sqlx::Error::Decode(
                format!("unknown push service {other:?}").into(),
            )),
        }
    }
}

/// A push to enqueue.
#[derive(Debug, Clone)]
pub struct NewPush {
    pub id: Uuid,
    pub service: Service,
    pub device_token: String,
    pub user_id: Uuid,
    pub kind: &'static str,
    pub call_id: Option<Uuid>,
    /// The message without its `token`: an FCM HTTP v1 `message`, or an
    /// APNs request's `headers` and `payload`.
    pub message: serde_json::Value,
    pub due_at: i64,
    pub expires_at: Option<i64>,
}

/// A push this instance claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub service: Service,
    pub kind: String,
    pub user_id: String,
    pub call_id: Option<String>,
    pub device_token: String,
    pub message: String,
    pub expires_at: Option<i64>,
    /// Including this one.
    pub attempts: i64,
}

/// Rows per INSERT statement (10 parameters each).
const INSERT_CHUNK: usize = 100;

pub async fn enqueue(
    conn: &mut AnyConnection,
    pushes: &[NewPush],
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in pushes.chunks(INSERT_CHUNK) {
        let mut q = SqlBuilder::new(
            "INSERT INTO push_queue (id, service, device_token, user_id, kind, call_id, message, \
             state, attempts, due_at, expires_at, created_at) VALUES ",
        );
        for (i, p) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind(p.id).push(", ").bind(p.service.as_str());
            q.push(", ").bind(p.device_token.as_str());
            q.push(", ").bind(p.user_id).push(", ").bind(p.kind);
            match p.call_id {
                Some(id) => q.push(", ").bind(id),
                None => q.push(", NULL"),
            };
            q.push(", ").bind(p.message.to_string());
            q.push(", 'pending', 0, ").bind(p.due_at);
            match p.expires_at {
                Some(at) => q.push(", ").bind(at),
                None => q.push(", NULL"),
            };
            q.push(", ").bind(now).push(")");
        }
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Claims up to `limit` due rows (and rows whose claim lapsed) of the given
/// `services` for `instance` until `claim_until`. On PostgreSQL, rows
/// another instance is claiming at the same moment are skipped rather than
/// waited for; SQLite's single writer serialises claims anyway.
pub async fn claim(
    db: &Db,
    instance: &str,
    services: &[Service],
    now: i64,
    claim_until: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    if services.is_empty() {
        return Ok(Vec::new());
    }
    // The service names are this module's constants, not input.
    let services = services
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let skip_locked = match db.dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE push_queue SET state = 'sending', claimed_by = $1, \
         claim_expires = $2, attempts = attempts + 1 WHERE id IN (SELECT id FROM push_queue \
         WHERE ((state = 'pending' AND due_at <= $3) OR (state = 'sending' AND claim_expires < $3)) \
         AND service IN ({services}) ORDER BY due_at LIMIT $4{skip_locked}) \
         RETURNING id, service, kind, user_id, call_id, device_token, message, expires_at, attempts"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(instance.to_string())
        .bind(claim_until)
        .bind(now)
        .bind(limit)
        .fetch_all(db.writer())
        .await?
        .iter()
        .map(|row| {
            Ok(Claimed {
                id: row.try_get("id")?,
                service: Service::parse(&row.try_get::<String, _>("service")?)?,
                kind: row.try_get("kind")?,
                user_id: row.try_get("user_id")?,
                call_id: row.try_get("call_id")?,
                device_token: row.try_get("device_token")?,
                message: row.try_get("message")?,
                expires_at: row.try_get("expires_at")?,
                attempts: row.try_get("attempts")?,
            })
        })
        .collect()
}

/// Whether the call still rings `user_id` (an incoming-call push claimed
/// for a retry may have outlived it: then it is not sent).
pub async fn call_still_rings<'e>(
    db: impl Executor<'e, Database = Any>,
    call_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    // `ringing` is a JSON array of ids; an id is a fixed-format UUID.
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM calls WHERE id = $1 AND state = 'ringing' \
         AND ringing LIKE '%' || $2 || '%'",
    )
    .bind(call_id.to_string())
    .bind(user_id.to_string())
    .fetch_one(db)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Records the end of a claimed push (`sent`, `failed`, `expired`) if this
/// instance still holds its claim.
pub async fn finish<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    instance: &str,
    state: &'static str,
    error: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE push_queue SET state = $1, last_error = $2, sent_at = $3, claimed_by = NULL, \
         claim_expires = NULL WHERE id = $4 AND claimed_by = $5 AND state = 'sending'",
    )
    .bind(state)
    .bind(error.map(str::to_string))
    .bind(now)
    .bind(id.to_string())
    .bind(instance.to_string())
    .execute(db)
    .await?;
    Ok(())
}

/// Puts a claimed push back in the queue, due at `due_at`.
pub async fn retry_later<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    instance: &str,
    due_at: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE push_queue SET state = 'pending', due_at = $1, last_error = $2, \
         claimed_by = NULL, claim_expires = NULL \
         WHERE id = $3 AND claimed_by = $4 AND state = 'sending'",
    )
    .bind(due_at)
    .bind(error.to_string())
    .bind(id.to_string())
    .bind(instance.to_string())
    .execute(db)
    .await?;
    Ok(())
}

/// Gives back this instance's claims that were never sent (shutdown), not
/// counting them as attempts.
pub async fn release<'e>(
    db: impl Executor<'e, Database = Any>,
    instance: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE push_queue SET state = 'pending', claimed_by = NULL, claim_expires = NULL, \
         attempts = attempts - 1 WHERE state = 'sending' AND claimed_by = $1",
    )
    .bind(instance.to_string())
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// How many pushes are due and waiting at `now`, and since when the oldest
/// has been due.
pub async fn due_stats<'e>(
    db: impl Executor<'e, Database = Any>,
    now: i64,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), MIN(due_at) FROM push_queue WHERE state = 'pending' AND due_at <= $1",
    )
    .bind(now)
    .fetch_one(db)
    .await
}

/// Deletes finished rows older than `before`.
pub async fn prune<'e>(
    db: impl Executor<'e, Database = Any>,
    before: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM push_queue WHERE state IN ('sent', 'failed', 'expired', 'cancelled') \
         AND created_at < $1",
    )
    .bind(before)
    .execute(db)
    .await?;
    Ok(())
}

/// Drops what is still waiting for a device (its token moved or was
/// removed). A push already being sent cannot be called back.
pub async fn drop_queued_for_device(
    conn: &mut AnyConnection,
    token: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM push_queue WHERE device_token = $1 AND state = 'pending'")
        .bind(token.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// A device to tell that a call stopped ringing it.
pub struct RungDevice {
    /// An FCM token: the one rung, or for an iPhone rung through PushKit,
    /// its FCM token (a stop-ringing is never sent as a VoIP push, which
    /// iOS would have to report as a new call).
    pub device_token: String,
    pub user_id: Uuid,
}

/// For a call that stopped ringing the users not in `still_ringing`:
/// cancels their incoming-call pushes not sent yet, and returns the devices
/// that were sent one (or are being sent one) and have no stop-ringing push
/// yet. An iPhone rung through APNs is told through the FCM token its
/// session registered, if any; without one it learns from the socket once
/// CallKit has woken the app.
pub async fn stop_ringing_targets(
    conn: &mut AnyConnection,
    call_id: Uuid,
    still_ringing: &[Uuid],
) -> Result<Vec<RungDevice>, sqlx::Error> {
    let not_ringing = |q: &mut SqlBuilder| {
        if !still_ringing.is_empty() {
            q.push(" AND p.user_id NOT IN (");
            q.push_id_list(still_ringing.iter().copied());
        }
    };
    let mut q = SqlBuilder::new(
        "UPDATE push_queue SET state = 'cancelled' WHERE id IN (SELECT p.id FROM push_queue p \
         WHERE p.kind = 'incoming_call' AND p.state = 'pending' AND p.call_id = ",
    );
    q.bind(call_id);
    not_ringing(&mut q);
    q.push(")");
    q.build().execute(&mut *conn).await?;

    let mut q = SqlBuilder::new(
        "SELECT p.device_token, p.user_id, p.service, s.token AS sibling FROM push_queue p \
         LEFT JOIN devices v ON p.service = 'apns' AND v.token = p.device_token \
         LEFT JOIN devices s ON s.session_hash = v.session_hash AND s.platform = 'ios' \
         WHERE p.kind = 'incoming_call' AND p.state IN ('sending', 'sent') AND p.call_id = ",
    );
    q.bind(call_id);
    not_ringing(&mut q);
    q.push(" ORDER BY p.device_token");
    let rung = q.build().fetch_all(&mut *conn).await?;

    let mut told: std::collections::HashSet<String> = sqlx::query(
        "SELECT device_token FROM push_queue WHERE kind = 'stop_ringing' AND call_id = $1",
    )
    .bind(call_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| row.try_get("device_token"))
    .collect::<Result<_, _>>()?;

    let mut targets = Vec::new();
    for row in &rung {
        let token: Option<String> = match Service::parse(&row.try_get::<String, _>("service")?)? {
            Service::Fcm => Some(row.try_get("device_token")?),
            Service::Apns => row.try_get("sibling")?,
        };
        let Some(token) = token else { continue };
        if told.insert(token.clone()) {
            targets.push(RungDevice {
                device_token: token,
                user_id: super::parse_id(&row.try_get::<String, _>("user_id")?)?,
            });
        }
    }
    Ok(targets)
}

// ---- live sessions ----

/// Marks sessions as holding a WebSocket on `instance`, seen `now`.
pub async fn live_upsert(
    db: &sqlx::AnyPool,
    token_hashes: &[String],
    instance: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in token_hashes.chunks(INSERT_CHUNK) {
        let mut q =
            SqlBuilder::new("INSERT INTO live_sessions (token_hash, instance_id, seen_at) VALUES ");
        for (i, hash) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind(hash.as_str()).push(", ").bind(instance);
            q.push(", ").bind(now).push(")");
        }
        q.push(" ON CONFLICT (token_hash, instance_id) DO UPDATE SET seen_at = excluded.seen_at");
        q.build().execute(db).await?;
    }
    Ok(())
}

pub async fn live_delete<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
    instance: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM live_sessions WHERE token_hash = $1 AND instance_id = $2")
        .bind(token_hash.to_string())
        .bind(instance.to_string())
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets this instance's sessions (shutdown), and everyone's rows not
/// refreshed since `stale_before` (crashed instances).
pub async fn live_forget<'e>(
    db: impl Executor<'e, Database = Any>,
    instance: &str,
    stale_before: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM live_sessions WHERE instance_id = $1 OR seen_at < $2")
        .bind(instance.to_string())
        .bind(stale_before)
        .execute(db)
        .await?;
    Ok(())
}

// ---- the follower's cursor ----

pub const CURSOR: &str = "push_feed";

pub async fn cursor<'e>(db: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT value FROM counters WHERE name = $1")
        .bind(CURSOR)
        .fetch_one(db)
        .await?
        .try_get("value")
}

/// Moves the cursor from `from` to `to`; false if it was no longer at
/// `from` (another instance got there first).
pub async fn advance_cursor(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE counters SET value = $1 WHERE name = $2 AND value = $3")
        .bind(to)
        .bind(CURSOR)
        .bind(from)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The last position handed out on the change feed.
pub async fn feed_end<'e>(db: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT value FROM counters WHERE name = 'feed'")
        .fetch_one(db)
        .await?
        .try_get("value")
}
