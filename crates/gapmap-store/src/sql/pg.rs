//! [`Sql`] on PostgreSQL: `?N` placeholders become `$N` (outside string
//! literals, quoted names, comments and dollar quotes), and each [`Val`] is
//! sent as the type the server inferred for its parameter (an integer bound
//! to a `DOUBLE PRECISION` column goes as a float, `0`/`1` to a `BOOLEAN`
//! as false/true).

use super::api::{Dialect, Sql};
use super::val::{Row, Val};
use crate::StoreError;
use bytes::BytesMut;
use postgres::GenericClient;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use std::error::Error;

/// `?N` → `$N` outside literals (`'…'`), quoted names (`"…"`), comments
/// (`--`, `/* */`) and dollar quotes (`$$…$$`, `$tag$…$tag$`).
///
/// ```
/// use gapmap_store::sql::pg::placeholders;
/// assert_eq!(
///     placeholders("SELECT '?1', \"a?2\" FROM t WHERE x = ?1 -- ?3\n AND y = ?12"),
///     "SELECT '?1', \"a?2\" FROM t WHERE x = $1 -- ?3\n AND y = $12"
/// );
/// ```
pub fn placeholders(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    // The end of the quoted or commented span that starts at `i`, if one does.
    let span_end = |i: usize| -> Option<usize> {
        let find = |from: usize, pat: &str| {
            sql[from..]
                .find(pat)
                .map_or(sql.len(), |k| from + k + pat.len())
        };
        match b[i] {
            b'\'' => Some(find(i + 1, "'")),
            b'"' => Some(find(i + 1, "\"")),
            b'-' if b.get(i + 1) == Some(&b'-') => Some(find(i + 2, "\n")),
            b'/' if b.get(i + 1) == Some(&b'*') => Some(find(i + 2, "*/")),
            b'$' => {
                let tag_len = sql[i + 1..]
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
                let tag_end = i + 1 + tag_len;
                let is_tag =
                    b.get(tag_end) == Some(&b'$') && !b.get(i + 1).is_some_and(u8::is_ascii_digit);
                is_tag.then(|| find(tag_end + 1, &sql[i..=tag_end]))
            }
            _ => None,
        }
    };
    while i < b.len() {
        if let Some(end) = span_end(i) {
            out.push_str(&sql[i..end]);
            i = end;
        } else if b[i] == b'?' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            out.push('$');
            i += 1;
        } else {
            let ch = sql[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

type BoxError = Box<dyn Error + Sync + Send>;

impl ToSql for Val {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let mismatch =
            || -> BoxError { format!("a {} value cannot be sent as {ty}", self.kind()).into() };
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(mismatch()),
            },
            Val::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                _ => Err(mismatch()),
            },
            Val::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                _ => Err(mismatch()),
            },
            Val::Blob(v) => match *ty {
                Type::BYTEA => v.as_slice().to_sql(ty, out),
                _ => Err(mismatch()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `i` of a PostgreSQL row as a [`Val`].
fn val(r: &postgres::Row, i: usize) -> Result<Val, postgres::Error> {
    let ty = r.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Val::Int),
        Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Val::Int(v.into())),
        Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Val::Int(v.into())),
        Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(|v| Val::Int(v.into())),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Val::Real),
        Type::FLOAT4 => r.try_get::<_, Option<f32>>(i)?.map(|v| Val::Real(v.into())),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Val::Blob),
        Type::VOID => None,
        // Text and every type that reads as text (a `CHECK`ed TEXT, a name).
        _ => r.try_get::<_, Option<String>>(i)?.map(Val::Text),
    };
    Ok(v.unwrap_or(Val::Null))
}

fn params(p: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    p.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// A PostgreSQL client or transaction with the name errors give its store
/// (the URL without its password).
pub struct Pg<'a, C: GenericClient> {
    pub client: &'a mut C,
    pub store: &'a str,
}

impl<C: GenericClient> std::fmt::Debug for Pg<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pg").field("store", &self.store).finish()
    }
}

impl<C: GenericClient> Pg<'_, C> {
    fn err(&self, e: postgres::Error) -> StoreError {
        StoreError::postgres(self.store, e)
    }
}

impl<C: GenericClient> Sql for Pg<'_, C> {
    fn exec(&mut self, sql: &str, p: &[Val]) -> Result<u64, StoreError> {
        self.client
            .execute(placeholders(sql).as_str(), &params(p))
            .map_err(|e| self.err(e))
    }

    fn rows(&mut self, sql: &str, p: &[Val]) -> Result<Vec<Row>, StoreError> {
        let rows = self
            .client
            .query(placeholders(sql).as_str(), &params(p))
            .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| val(r, i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(|e| self.err(e))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn lock(&mut self, key: &str) -> Result<(), StoreError> {
        self.exec(
            "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
            &[Val::Text(format!("gapmap:{key}"))],
        )
        .map(drop)
    }
}

/// The name errors give a store reached through a bare client or
/// transaction (the migration runner's): [`super::Db`] names the URL.
const UNNAMED: &str = "PostgreSQL store";

macro_rules! bare_pg_sql {
    ($t:ty) => {
        impl Sql for $t {
            fn exec(&mut self, sql: &str, p: &[Val]) -> Result<u64, StoreError> {
                Pg {
                    client: self,
                    store: UNNAMED,
                }
                .exec(sql, p)
            }
            fn rows(&mut self, sql: &str, p: &[Val]) -> Result<Vec<Row>, StoreError> {
                Pg {
                    client: self,
                    store: UNNAMED,
                }
                .rows(sql, p)
            }
            fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
                Pg {
                    client: self,
                    store: UNNAMED,
                }
                .batch(sql)
            }
            fn dialect(&self) -> Dialect {
                Dialect::Postgres
            }
            fn lock(&mut self, key: &str) -> Result<(), StoreError> {
                Pg {
                    client: self,
                    store: UNNAMED,
                }
                .lock(key)
            }
        }
    };
}

bare_pg_sql!(postgres::Client);
bare_pg_sql!(postgres::Transaction<'_>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_only_in_code() {
        assert_eq!(placeholders("?1 ?2 ?10"), "$1 $2 $10");
        assert_eq!(placeholders("'it''s ?1' ?1"), "'it''s ?1' $1");
        assert_eq!(placeholders("/* ?1 */ ?2"), "/* ?1 */ $2");
        assert_eq!(
            placeholders("$$ BEGIN ?1 END $$ ?1 $f$ ?2 $f$ ?3"),
            "$$ BEGIN ?1 END $$ $1 $f$ ?2 $f$ $3"
        );
        assert_eq!(placeholders("x ? y ?"), "x ? y ?", "a bare ? is kept");
        assert_eq!(placeholders("'ā' = ?1"), "'ā' = $1");
    }
}
