//! [`Sql`] on SQLite: a [`rusqlite::Connection`], a [`rusqlite::Transaction`]
//! (the GeoPackage writer's) or a shared `&Connection`. Statements are
//! prepared once per connection (`prepare_cached`).

use super::api::{Dialect, Sql};
use super::val::{Row, Val};
use crate::StoreError;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::Path;

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Val::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            Val::Real(r) => ToSqlOutput::Owned(rusqlite::types::Value::Real(*r)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn val(v: ValueRef<'_>) -> Val {
    match v {
        ValueRef::Null => Val::Null,
        ValueRef::Integer(i) => Val::Int(i),
        ValueRef::Real(r) => Val::Real(r),
        ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Val::Blob(b.to_vec()),
    }
}

fn err(c: &Connection, e: rusqlite::Error) -> StoreError {
    let path = c.path().filter(|p| !p.is_empty()).unwrap_or(":memory:");
    StoreError::sqlite(Path::new(path), e)
}

fn exec(c: &Connection, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
    let mut st = c.prepare_cached(sql).map_err(|e| err(c, e))?;
    let n = st
        .execute(rusqlite::params_from_iter(params))
        .map_err(|e| err(c, e))?;
    Ok(n as u64)
}

fn rows(c: &Connection, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
    let mut st = c.prepare_cached(sql).map_err(|e| err(c, e))?;
    let n = st.column_count();
    let mut q = st
        .query(rusqlite::params_from_iter(params))
        .map_err(|e| err(c, e))?;
    let mut out = Vec::new();
    while let Some(r) = q.next().map_err(|e| err(c, e))? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(val(r.get_ref(i).map_err(|e| err(c, e))?));
        }
        out.push(Row(row));
    }
    Ok(out)
}

macro_rules! sqlite_sql {
    ($t:ty) => {
        impl Sql for $t {
            fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
                exec(self, sql, params)
            }
            fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
                rows(self, sql, params)
            }
            fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
                self.execute_batch(sql).map_err(|e| err(self, e))
            }
            fn dialect(&self) -> Dialect {
                Dialect::Sqlite
            }
            fn lock(&mut self, _key: &str) -> Result<(), StoreError> {
                // The IMMEDIATE transaction holds the store's write lock.
                Ok(())
            }
        }
    };
}

sqlite_sql!(Connection);
sqlite_sql!(rusqlite::Transaction<'_>);
sqlite_sql!(&Connection);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_sqlite() {
        let mut c = Connection::open_in_memory().unwrap();
        let s: &mut dyn Sql = &mut c;
        s.batch("CREATE TABLE t (i INTEGER, r REAL, x TEXT, b BLOB)")
            .unwrap();
        let n = s
            .exec(
                "INSERT INTO t VALUES (?1, ?2, ?3, ?4), (NULL, NULL, NULL, NULL)",
                &crate::vals![7i64, 2.5, "ā", vec![0u8, 1]],
            )
            .unwrap();
        assert_eq!(n, 2);
        let rows = s
            .rows("SELECT i, r, x, b FROM t ORDER BY i IS NULL", &[])
            .unwrap();
        assert_eq!(rows[0].get::<i64>(0).unwrap(), 7);
        assert_eq!(rows[0].get::<f64>(1).unwrap(), 2.5);
        assert_eq!(rows[0].get::<String>(2).unwrap(), "ā");
        assert_eq!(rows[0].get::<Vec<u8>>(3).unwrap(), [0, 1]);
        assert_eq!(rows[1].get::<Option<String>>(2).unwrap(), None);
        let e = rows[0].get::<String>(0).unwrap_err().to_string();
        assert!(e.contains("column 0") && e.contains("integer"), "{e}");
    }
}
