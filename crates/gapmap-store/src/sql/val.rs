//! Values bound to placeholders and read from columns, the same for both
//! backends: [`Val`], typed by [`FromVal`], in a [`Row`].

use crate::StoreError;

/// A value bound to a placeholder or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Val {
    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Int(_) => "integer",
            Val::Real(_) => "real",
            Val::Text(_) => "text",
            Val::Blob(_) => "blob",
        }
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<u32> for Val {
    fn from(v: u32) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::Real(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_owned())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Val {
        Val::Blob(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// The values of a statement's placeholders: `vals![a, b, c]` for
/// `?1 ?2 ?3`.
#[macro_export]
macro_rules! vals {
    ($($v:expr),* $(,)?) => { [$($crate::sql::Val::from($v)),*] };
}

/// `vals!` for this crate's own modules (the exported macro lives at the
/// crate root, which every module would then import).
macro_rules! crate_vals {
    ($($v:expr),* $(,)?) => { [$($crate::sql::Val::from($v)),*] };
}
pub(crate) use crate_vals as vals;

/// A value read from a column, typed.
pub trait FromVal: Sized {
    fn from_val(v: Val) -> Result<Self, String>;
}

impl FromVal for Val {
    fn from_val(v: Val) -> Result<Self, String> {
        Ok(v)
    }
}
impl FromVal for i64 {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Int(i) => Ok(i),
            other => Err(format!("expected an integer, found {}", other.kind())),
        }
    }
}
impl FromVal for u32 {
    fn from_val(v: Val) -> Result<Self, String> {
        let i = i64::from_val(v)?;
        u32::try_from(i).map_err(|_| format!("{i} is out of range"))
    }
}
impl FromVal for u64 {
    fn from_val(v: Val) -> Result<Self, String> {
        let i = i64::from_val(v)?;
        u64::try_from(i).map_err(|_| format!("{i} is out of range"))
    }
}
impl FromVal for bool {
    fn from_val(v: Val) -> Result<Self, String> {
        Ok(i64::from_val(v)? != 0)
    }
}
impl FromVal for f64 {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Real(r) => Ok(r),
            // SQLite keeps a whole REAL as an integer when it can.
            Val::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {}", other.kind())),
        }
    }
}
impl FromVal for String {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Text(s) => Ok(s),
            other => Err(format!("expected text, found {}", other.kind())),
        }
    }
}
impl FromVal for Vec<u8> {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Blob(b) => Ok(b),
            other => Err(format!("expected a blob, found {}", other.kind())),
        }
    }
}
impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// One row of a result, its columns in the order of the `SELECT`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(pub Vec<Val>);

impl Row {
    /// Column `i` (from 0) as `T`: an error names the column and what it held.
    pub fn get<T: FromVal>(&self, i: usize) -> Result<T, StoreError> {
        let v = self.0.get(i).cloned().ok_or_else(|| StoreError::Column {
            index: i,
            message: format!("the row has {} columns", self.0.len()),
        })?;
        T::from_val(v).map_err(|message| StoreError::Column { index: i, message })
    }
}
