//! Bounds online password guessing without letting anyone lock an owner
//! out of their account.
//!
//! Each sign-in attempt counts against two keys: the email as tried from one
//! source address, and the source address alone. A key's first attempts are
//! free (5 for an email from an address, 100 for an address); from the last
//! of them on, each attempt blocks the key for twice as long as the one
//! before (1 s, 2 s, 4 s, … up to 15 minutes), and a blocked key's attempts
//! are refused with 429 before any password is checked. So guessing one account from one
//! address slows to a few tries an hour, spraying many accounts from one
//! address is bounded by the address's key, and the owner, signing in from
//! anywhere else, is not slowed at all. Counts are forgotten after an hour
//! without attempts; a successful sign-in clears the email's count and takes
//! its attempt back from the address's.
//!
//! A registration counts against the address too (its "email taken" answer
//! tells whether an account exists), and a successful one is taken back.
//!
//! An attempt is counted before its password is checked, in one statement
//! per key, so parallel guesses cannot all slip through one check. The counts
//! are in the database: instances sharing PostgreSQL share them.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::connection_limit::SourceKey;
use crate::db::{self, Db, now_micros};
use crate::error::{ApiError, ApiResult};

/// Free attempts at one email from one address.
pub const FREE_PER_ACCOUNT: i64 = 5;
/// The longest a key is blocked after one attempt.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Counts without a new attempt for this long start again.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// One claim in this many also drops forgotten counts.
const PRUNE_EVERY: u64 = 1024;

pub struct SignInThrottle {
    free_per_address: i64,
    claims: AtomicU64,
}

/// An attempt that was let through; tell the throttle if it succeeded.
pub struct Attempt {
    /// None for a registration, which probes no one account's password.
    account_key: Option<String>,
    address_key: String,
}

impl SignInThrottle {
    pub fn new(free_per_address: i64) -> SignInThrottle {
        SignInThrottle {
            free_per_address,
            claims: AtomicU64::new(0),
        }
    }

    /// Counts a sign-in attempt from `ip` at `email` (already normalised),
    /// or refuses it with 429 while either key is blocked.
    pub async fn attempt(&self, db: &Db, ip: IpAddr, email: &str) -> ApiResult<Attempt> {
        let source = SourceKey::of(ip);
        let account_key = hashed(&format!("account:{source}|{email}"));
        self.claim(db, source, Some(account_key)).await
    }

    /// Counts a registration from `ip` against the address alone: an
    /// answer of "email taken" tells whether an account exists, so trying
    /// many emails is bounded as guessing is.
    pub async fn registration(&self, db: &Db, ip: IpAddr) -> ApiResult<Attempt> {
        self.claim(db, SourceKey::of(ip), None).await
    }

    async fn claim(
        &self,
        db: &Db,
        source: SourceKey,
        account_key: Option<String>,
    ) -> ApiResult<Attempt> {
        let attempt = Attempt {
            account_key,
            address_key: hashed(&format!("address:{source}")),
        };
        let now = now_micros();
        let forget_before = now - micros(FORGET_AFTER);
        let mut tx = db.writer().begin().await?;
        let mut blocks = Vec::new();
        let account = attempt
            .account_key
            .iter()
            .map(|key| (key, FREE_PER_ACCOUNT));
        let address = std::iter::once((&attempt.address_key, self.free_per_address));
        for (key, free) in account.chain(address) {
            match db::sign_in_attempts::claim(&mut tx, key, now, forget_before).await? {
                // The attempt that uses up the free ones blocks the next.
                Ok(failures) if failures >= free => blocks.push((key, failures - free + 1)),
                Ok(_) => {}
                Err(blocked_until) => {
                    // Nothing is counted for a refused attempt.
                    tx.rollback().await?;
                    let wait = (blocked_until - now).max(1) as u64;
                    return Err(ApiError::too_many_requests(
                        "too_many_attempts",
                        wait.div_ceil(1_000_000),
                    ));
                }
            }
        }
        for (key, beyond_free) in blocks {
            let until = now + micros(delay_after(beyond_free));
            db::sign_in_attempts::block_until(&mut tx, key, until).await?;
        }
        if self.claims.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            db::sign_in_attempts::prune(&mut tx, forget_before, now).await?;
        }
        tx.commit().await?;
        Ok(attempt)
    }

    /// The attempt signed in: its email's count goes, and the address keeps
    /// only its failures.
    pub async fn succeeded(&self, db: &Db, attempt: Attempt) -> ApiResult<()> {
        let mut tx = db.writer().begin().await?;
        if let Some(account_key) = &attempt.account_key {
            db::sign_in_attempts::forget(&mut tx, account_key).await?;
        }
        db::sign_in_attempts::uncount(&mut tx, &attempt.address_key, self.free_per_address).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// How long the key is blocked after the `n`th attempt from the last free
/// one on (n = 1 for the last free attempt).
pub fn delay_after(n: i64) -> Duration {
    let doublings = (n - 1).clamp(0, 20) as u32;
    Duration::from_secs(1 << doublings).min(MAX_DELAY)
}

fn micros(d: Duration) -> i64 {
    d.as_micros() as i64
}

fn hashed(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_fifteen_minutes() {
        let secs: Vec<u64> = (1..=12).map(|n| delay_after(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(delay_after(10_000), MAX_DELAY);
    }
}
