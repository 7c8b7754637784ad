//! Devices registered for push: an FCM token, its owner, its platform and
//! the session that registered it.

use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{SqlBuilder, parse_id};

/// Where a push can go.
#[derive(Debug, Clone)]
pub struct Target {
    pub token: String,
    pub user_id: Uuid,
    pub platform: String,
}

/// Registers `token` for `user_id` from the session `session_hash`. A token
/// registered by someone else moves to this user, and the pushes still
/// queued for its former owner are dropped. True if the token is new to
/// this user.
pub async fn register(
    conn: &mut AnyConnection,
    token: &str,
    user_id: Uuid,
    platform: &str,
    session_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let owner: Option<String> = sqlx::query("SELECT user_id FROM devices WHERE token = $1")
        .bind(token.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get("user_id"))
        .transpose()?;
    let moved = owner.as_deref().is_some_and(|o| o != user_id.to_string());
    if moved {
        super::push::drop_queued_for_device(&mut *conn, token).await?;
    }
    sqlx::query(
        "INSERT INTO devices (token, user_id, platform, session_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (token) DO UPDATE SET user_id = excluded.user_id, \
         platform = excluded.platform, session_hash = excluded.session_hash, \
         updated_at = excluded.updated_at",
    )
    .bind(token.to_string())
    .bind(user_id.to_string())
    .bind(platform.to_string())
    .bind(session_hash.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(owner.is_none() || moved)
}

/// The platform `token` is registered with, if it is registered to `user_id`.
pub async fn platform_of<'e>(
    db: impl Executor<'e, Database = Any>,
    token: &str,
    user_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT platform FROM devices WHERE token = $1 AND user_id = $2")
        .bind(token.to_string())
        .bind(user_id.to_string())
        .fetch_optional(db)
        .await?
        .map(|row| row.try_get("platform"))
        .transpose()
}

/// Removes the user's device `token` and its queued pushes; false if the
/// user had no such device.
pub async fn unregister(
    conn: &mut AnyConnection,
    token: &str,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM devices WHERE token = $1 AND user_id = $2")
        .bind(token.to_string())
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    super::push::drop_queued_for_device(conn, token).await?;
    Ok(true)
}

/// Drops the devices registered from a session (at sign-out) and their
/// queued pushes.
pub async fn forget_session(
    conn: &mut AnyConnection,
    session_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM push_queue WHERE state = 'pending' AND device_token IN \
         (SELECT token FROM devices WHERE session_hash = $1)",
    )
    .bind(session_hash.to_string())
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM devices WHERE session_hash = $1")
        .bind(session_hash.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a token FCM reports as no longer registered, with everything
/// queued for it.
pub async fn forget_token(conn: &mut AnyConnection, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM push_queue WHERE device_token = $1")
        .bind(token.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM devices WHERE token = $1")
        .bind(token.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The devices of `user_ids` that may get a call or chat push: enabled
/// accounts, customers or Active staff (Off staff get none). With `voip`
/// (an incoming call, APNs configured), iPhones' VoIP tokens (`ios_voip`)
/// are included and the FCM token of a session that has one is left out:
/// that phone rings through PushKit and CallKit, once. Without it, only FCM
/// tokens. With `skip_live`, devices whose session has a WebSocket seen
/// after `live_since` on any instance are left out: they hear it live.
pub async fn push_targets<'e>(
    db: impl Executor<'e, Database = Any>,
    user_ids: &[Uuid],
    voip: bool,
    skip_live: bool,
    live_since: i64,
) -> Result<Vec<Target>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = SqlBuilder::new(
        "SELECT d.token, d.user_id, d.platform FROM devices d JOIN users u ON u.id = d.user_id \
         WHERE u.disabled = 0 AND (u.role = 'customer' OR u.status = 'active') AND ",
    );
    q.push(if voip {
        "NOT (d.platform = 'ios' AND EXISTS (SELECT 1 FROM devices v \
         WHERE v.session_hash = d.session_hash AND v.platform = 'ios_voip'))"
    } else {
        "d.platform <> 'ios_voip'"
    });
    q.push(" AND d.user_id IN (");
    q.push_id_list(user_ids.iter().copied());
    if skip_live {
        q.push(
            " AND NOT EXISTS (SELECT 1 FROM live_sessions l \
             WHERE l.token_hash = d.session_hash AND l.seen_at > ",
        )
        .bind(live_since)
        .push(")");
    }
    q.push(" ORDER BY d.token");
    q.build()
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(Target {
                token: row.try_get("token")?,
                user_id: parse_id(&row.try_get::<String, _>("user_id")?)?,
                platform: row.try_get("platform")?,
            })
        })
        .collect()
}
