//! Where a run keeps its data: the server's default SQLite file in the fresh
//! data directory, or a throwaway PostgreSQL database created next to the
//! one `--database-url` names and dropped at the end.

use anyhow::Context;
use reqwest::Url;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

pub enum Database {
    /// The server's default: a SQLite file in its data directory.
    Sqlite,
    /// A URL given as is (e.g. an explicit `sqlite://` file).
    Given(String),
    /// `cs_bench_<random>` on the server that `admin_url` points at.
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl Database {
    /// Creates the fresh PostgreSQL database when `url` is a PostgreSQL URL.
    pub async fn prepare(url: Option<&str>) -> anyhow::Result<Database> {
        let Some(url) = url else {
            return Ok(Database::Sqlite);
        };
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Ok(Database::Given(url.to_string()));
        }
        let name = format!(
            "cs_bench_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let fresh = with_database(url, &name)?;
        let mut conn = PgConnection::connect(url)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        // The name is ours (letters, digits, underscore): safe to splice in.
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .with_context(|| format!("creating database {name}"))?;
        conn.close().await?;
        eprintln!("created PostgreSQL database {name}");
        Ok(Database::Postgres {
            admin_url: url.to_string(),
            name,
            url: fresh,
        })
    }

    /// What the server gets as `CS_DATABASE_URL`; `None` for its default.
    pub fn url(&self) -> Option<&str> {
        match self {
            Database::Sqlite => None,
            Database::Given(url) | Database::Postgres { url, .. } => Some(url),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Given(url) if url.starts_with("sqlite:") => "sqlite",
            Database::Given(_) => "other",
            Database::Postgres { .. } => "postgres",
        }
    }

    /// Drops the throwaway database (the server must have stopped), unless
    /// `keep`.
    pub async fn cleanup(self, keep: bool) -> anyhow::Result<()> {
        if let Database::Postgres {
            admin_url,
            name,
            url,
        } = self
        {
            if keep {
                eprintln!("kept PostgreSQL database {url}");
                return Ok(());
            }
            let mut conn = PgConnection::connect(&admin_url).await?;
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .with_context(|| format!("dropping database {name}"))?;
            conn.close().await?;
            eprintln!("dropped PostgreSQL database {name}");
        }
        Ok(())
    }
}

/// The same URL with another database name (its path), keeping host, user
/// and parameters such as `?host=/var/run/postgresql`.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut parsed = Url::parse(url).with_context(|| format!("parsing {url}"))?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database(
                "postgres:///postgres?host=/var/run/postgresql",
                "cs_bench_1"
            )
            .unwrap(),
            "postgres:///cs_bench_1?host=/var/run/postgresql"
        );
        assert_eq!(
            with_database("postgres://u:p@localhost:5432/app", "cs_bench_1").unwrap(),
            "postgres://u:p@localhost:5432/cs_bench_1"
        );
        assert_eq!(
            with_database("postgresql://localhost", "cs_bench_1").unwrap(),
            "postgresql://localhost/cs_bench_1"
        );
    }
}
