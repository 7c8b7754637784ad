//! The sign-in throttle's counts (`sign_in_attempts`); the policy is in
//! `crate::sign_in_throttle`.

use sqlx::AnyConnection;

/// Counts one attempt against `key`, unless the key is blocked at `now`:
/// `Ok(failures counted so far)`, or `Err(blocked until)`. Counts older
/// than `forget_before` start again from one.
pub async fn claim(
    conn: &mut AnyConnection,
    key: &str,
    now: i64,
    forget_before: i64,
) -> Result<Result<i64, i64>, sqlx::Error> {
    // One statement, so that parallel attempts cannot all pass one check.
    let counted: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO sign_in_attempts (key, failures, last_attempt_at, blocked_until) \
         VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN sign_in_attempts.last_attempt_at < $3 THEN 1 \
                      ELSE sign_in_attempts.failures + 1 END, \
           last_attempt_at = $2 \
         WHERE sign_in_attempts.blocked_until <= $2 \
         RETURNING failures",
    )
    .bind(key.to_string())
    .bind(now)
    .bind(forget_before)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((failures,)) = counted {
        return Ok(Ok(failures));
    }
    let (blocked_until,): (i64,) =
        sqlx::query_as("SELECT blocked_until FROM sign_in_attempts WHERE key = $1")
            .bind(key.to_string())
            .fetch_one(&mut *conn)
            .await?;
    Ok(Err(blocked_until))
}

pub async fn block_until(
    conn: &mut AnyConnection,
    key: &str,
    until: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sign_in_attempts SET blocked_until = $2 WHERE key = $1")
        .bind(key.to_string())
        .bind(until)
        .execute(conn)
        .await?;
    Ok(())
}

/// A successful sign-in: the attempt counted against `key` was no failure.
/// The block it may have set goes too, once the count is back within
/// `free` (an address that also sent many failures stays blocked).
pub async fn uncount(conn: &mut AnyConnection, key: &str, free: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sign_in_attempts SET failures = failures - 1, \
           blocked_until = CASE WHEN failures - 1 <= $2 THEN 0 ELSE blocked_until END \
         WHERE key = $1 AND failures > 0",
    )
    .bind(key.to_string())
    .bind(free)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn forget(conn: &mut AnyConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE key = $1")
        .bind(key.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops counts nobody has added to since `before` and that block nothing.
pub async fn prune(conn: &mut AnyConnection, before: i64, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM sign_in_attempts WHERE last_attempt_at < $1 AND blocked_until <= $2",
    )
    .bind(before)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
