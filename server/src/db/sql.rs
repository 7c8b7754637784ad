//! A small builder for queries whose shape depends on the request (filters,
//! cursors). sqlx's `QueryBuilder<Any>` writes `?` placeholders, which
//! PostgreSQL rejects; this one numbers them `$1, $2, …` for both dialects.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
}

#[derive(Debug, Default)]
pub struct SqlBuilder {
    sql: String,
    args: Vec<Arg>,
}

impl SqlBuilder {
    pub fn new(sql: &str) -> Self {
        SqlBuilder {
            sql: sql.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends trusted SQL text (never user input).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `a, b, c)` to an `IN (` list: each distinct id once.
    pub fn push_id_list(&mut self, ids: impl IntoIterator<Item = uuid::Uuid>) -> &mut Self {
        let mut seen = std::collections::HashSet::new();
        let mut first = true;
        for id in ids.into_iter().filter(|id| seen.insert(*id)) {
            if !first {
                self.push(", ");
            }
            self.bind(id);
            first = false;
        }
        self.push(")")
    }

    /// Appends another builder's query, its placeholders renumbered after
    /// this one's (to nest whole statements, as in a `WITH`).
    pub fn append(&mut self, other: SqlBuilder) -> &mut Self {
        let offset = self.args.len();
        let mut rest = other.sql.as_str();
        while let Some(at) = rest.find('$') {
            self.sql.push_str(&rest[..=at]);
            rest = &rest[at + 1..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if let Ok(n) = rest[..digits].parse::<usize>() {
                self.sql.push_str(&(n + offset).to_string());
            }
            rest = &rest[digits..];
        }
        self.sql.push_str(rest);
        self.args.extend(other.args);
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub fn build(self) -> Query<'static, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(self.sql));
        for arg in self.args {
            query = match arg {
                Arg::Text(v) => query.bind(v),
                Arg::Int(v) => query.bind(v),
            };
        }
        query
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}

impl From<uuid::Uuid> for Arg {
    fn from(v: uuid::Uuid) -> Self {
        Arg::Text(v.to_string())
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

/// Booleans are stored as 0/1.
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut b = SqlBuilder::new("SELECT * FROM t WHERE a = ");
        b.bind("x").push(" AND b > ").bind(3i64);
        assert_eq!(b.sql(), "SELECT * FROM t WHERE a = $1 AND b > $2");
    }

    #[test]
    fn an_appended_query_is_numbered_after_the_first() {
        let mut inner = SqlBuilder::new("UPDATE t SET a = ");
        inner.bind("x").push(" WHERE b = ").bind(12i64);
        let mut q = SqlBuilder::new("WITH w AS (");
        q.bind(1i64).push(", ");
        q.append(inner).push(") SELECT ").bind("y");
        assert_eq!(
            q.sql(),
            "WITH w AS ($1, UPDATE t SET a = $2 WHERE b = $3) SELECT $4"
        );
        assert_eq!(q.args.len(), 4);
    }

    #[test]
    fn an_id_list_binds_each_distinct_id_once() {
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let mut q = SqlBuilder::new("SELECT id FROM t WHERE id IN (");
        q.push_id_list([a, b, a]);
        assert_eq!(q.sql(), "SELECT id FROM t WHERE id IN ($1, $2)");
    }
}
