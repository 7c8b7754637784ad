use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use super::WriteTx;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Connection pools to the store.
///
/// SQLite allows one writer at a time; rather than let writers collide and
/// retry on `SQLITE_BUSY`, all writes go through a pool of one connection and
/// queue in the pool. Reads use their own pool and never wait for writes
/// (WAL). On PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Db {
    pub dialect: Dialect,
    read: AnyPool,
    write: AnyPool,
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite://… or postgres://…");
        };
        let db = match dialect {
            Dialect::Sqlite => {
                let write = sqlite_pool(1).connect(url).await?;
                // WAL is a property of the database file: set it once, on the writer.
                write.execute("PRAGMA journal_mode = WAL").await?;
                let read = sqlite_pool(max_connections).connect(url).await?;
                Db {
                    dialect,
                    read,
                    write,
                }
            }
            Dialect::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?;
                Db {
                    dialect,
                    read: pool.clone(),
                    write: pool,
                }
            }
        };
        Ok(db)
    }

    /// Brings the schema up to date; runs at every start.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.write).await?;
        Ok(())
    }

    /// For queries that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// For single-statement writes that do not touch the change feed
    /// (sessions, accounts, departments, files).
    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// Starts a transaction that writes to the change feed. See [`WriteTx`].
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        WriteTx::begin(&self.write).await
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        self.read.execute("SELECT 1").await.map(|_| ())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn sqlite_pool(max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // NORMAL is durable in WAL mode except on power loss, where the
                // last transactions may roll back; the database stays consistent.
                conn.execute(
                    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000;",
                )
                .await?;
                Ok(())
            })
        })
}
