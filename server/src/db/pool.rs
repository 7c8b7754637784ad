use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection, Executor};

use super::WriteTx;
use super::committed::Commits;

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
    /// Every commit to the change feed by this process, for its follower.
    commits: Arc<Commits>,
    /// SQLite: an exclusive lock that keeps a second server off the file.
    instance_lock: Arc<Mutex<Option<File>>>,
}

/// How long a PostgreSQL connection may sit idle before it is tested
/// (pinged) on its way out of the pool.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

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
                let instance_lock = lock_sqlite_file(url)?;
                let write = sqlite_pool(1, Role::Writer).connect(url).await?;
                // WAL is a property of the database file: set it once, on the writer.
                write.execute("PRAGMA journal_mode = WAL").await?;
                let read = sqlite_pool(max_connections, Role::Reader)
                    .connect(url)
                    .await?;
                let commits = Arc::<Commits>::default();
                super::checkpoint::spawn(read.clone(), commits.clone());
                Db {
                    dialect,
                    read,
                    write,
                    commits,
                    instance_lock: Arc::new(Mutex::new(instance_lock)),
                }
            }
            Dialect::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    // A ping on every acquire is a round trip on every
                    // query: under load, one of the eight a message batch
                    // made. A connection used in the last second is alive
                    // but for a crash of that second.
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > PING_AFTER_IDLE {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect(url)
                    .await?;
                Db {
                    dialect,
                    read: pool.clone(),
                    write: pool,
                    commits: Arc::default(),
                    instance_lock: Arc::default(),
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
        WriteTx::begin(&self.write, self.dialect, self.commits.clone()).await
    }

    /// A write transaction that reads before it takes the feed lock
    /// (`WriteTx::begin_reading`).
    pub async fn begin_write_reading_first(&self) -> Result<WriteTx, sqlx::Error> {
        WriteTx::begin_reading(&self.write, self.dialect, self.commits.clone()).await
    }

    /// Each commit to the change feed made by this process, in order.
    /// (Other instances learn of commits through `NOTIFY`, see `realtime`.)
    pub fn commits(&self) -> Arc<Commits> {
        self.commits.clone()
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        self.read.execute("SELECT 1").await.map(|_| ())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
        self.instance_lock.lock().unwrap().take();
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Writer,
    Reader,
}

fn sqlite_pool(max_connections: u32, role: Role) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        // A file's connection does not go stale the way a network one
        // does, and the test is a hop to the connection's thread on every
        // acquire.
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // NORMAL is durable in WAL mode except on power loss, where the
                // last transactions may roll back; the database stays consistent.
                conn.execute(
                    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000;",
                )
                .await?;
                if role == Role::Writer {
                    // Checkpoints run beside the writer (`checkpoint.rs`),
                    // not inside its commits, except as a bound under
                    // sustained writes (see `WRITER_CHECKPOINT_PAGES`).
                    conn.execute(sqlx::AssertSqlSafe(format!(
                        "PRAGMA wal_autocheckpoint = {}",
                        super::checkpoint::WRITER_CHECKPOINT_PAGES
                    )))
                    .await?;
                }
                Ok(())
            })
        })
}

/// One server per SQLite file: SQLite's own locking keeps the file intact,
/// but two servers would each believe they are the only writer and the only
/// one to notify its sockets. Takes `<file>.lock` exclusively (released when
/// the process exits, even if it crashes).
fn lock_sqlite_file(url: &str) -> anyhow::Result<Option<File>> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or("");
    if path.is_empty() || path.starts_with(':') {
        return Ok(None); // in-memory
    }
    let lock_path = format!("{path}.lock");
    let file = File::create(&lock_path)
        .map_err(|e| anyhow::anyhow!("creating lock file {lock_path}: {e}"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another server is already using {path}: SQLite allows one server per \
             database file (use PostgreSQL for several instances)"
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("locking {lock_path}: {e}")
        }
    }
}
