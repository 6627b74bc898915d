//! Which database a collector uses, from its `--db` value: a SQLite file (`pingyi.sqlite`,
//! `sqlite:pingyi.sqlite`) or a PostgreSQL URL (`postgres://…`, `postgresql://…`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::postgres::{is_postgres_url, redact_url, PostgresStore};
use super::{SqliteStore, Store, StoreError};

/// A database location.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (may hold a password: never print it, print [`Database`]).
    Postgres(String),
}

impl Database {
    /// Read a `--db` value: `postgres://…` or `postgresql://…` is PostgreSQL, `sqlite:PATH` and
    /// any other text a SQLite file.
    pub fn parse(value: &Path) -> Database {
        let text = value.to_string_lossy();
        if is_postgres_url(&text) {
            return Database::Postgres(text.into_owned());
        }
        match text.strip_prefix("sqlite:") {
            Some(rest) if !rest.is_empty() => Database::Sqlite(PathBuf::from(rest)),
            _ => Database::Sqlite(value.to_path_buf()),
        }
    }

    /// Open it (blocking: call from `spawn_blocking` or a plain thread).
    pub fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            Database::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
            Database::Postgres(url) => Arc::new(PostgresStore::open(url)?),
        })
    }
}

/// For logs and errors: the file's path, or the URL without its password.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Database({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_values_name_their_backend() {
        assert_eq!(
            Database::parse(Path::new("pingyi.sqlite")),
            Database::Sqlite("pingyi.sqlite".into())
        );
        assert_eq!(
            Database::parse(Path::new("sqlite:data/p.sqlite")),
            Database::Sqlite("data/p.sqlite".into())
        );
        assert_eq!(
            Database::parse(Path::new("postgres://u@h/d")),
            Database::Postgres("postgres://u@h/d".into())
        );
        assert_eq!(
            Database::parse(Path::new("postgresql://u@h/d")),
            Database::Postgres("postgresql://u@h/d".into())
        );
    }

    #[test]
    fn a_postgres_location_prints_without_its_password() {
        let db = Database::parse(Path::new("postgres://pingyi:s3cret@db/pingyi"));
        assert_eq!(db.to_string(), "postgres://pingyi:***@db/pingyi");
        assert!(!format!("{db:?}").contains("s3cret"));
    }
}
