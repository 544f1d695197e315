//! Small-count protection: how a count of residents is published, by who
//! asks (ARCHITECTURE.md, "Gaps": never a single homestead's residents).
//!
//! - **Staff** (a signed-in planner, or the command line on a store): every
//!   count exactly.
//! - **Public** (every anonymous answer: the API, pages, CSV, exports,
//!   tiles): a count of 1 to `min − 1` (1–4) is published only as that
//!   range; 0 stays 0; any other count is rounded to the nearest multiple
//!   of `base` (5). Rounding is what stops differencing: two answers that
//!   differ by one homestead (a point moved, `near_m` one metre longer, an
//!   area and the same area with one cell more) differ by 0 or by a
//!   multiple of 5, never by that homestead's 1–4 residents. Weighted sums
//!   of residents (the siting objective) are rounded the same way.
//!
//! In JSON a range is `null` with `<key>_min` and `<key>_max` beside it
//! ([`Disclosure::put`]); inside a map of counts (residents by class) it is
//! `null` alone. In words and CSV it is "1–4".
//!
//! ```
//! use gapmap_model::disclosure::{Disclosure, Published};
//! let public = Disclosure::public(5);
//! assert_eq!(public.count(0), Published::Value(0));
//! assert_eq!(public.count(3), Published::Range(1, 4));
//! assert_eq!(public.count(123), Published::Value(125));
//! assert_eq!(public.text(3), "1–4");
//! assert_eq!(Disclosure::exact().count(3), Published::Value(3));
//! ```

use serde_json::{Map, Value, json};

/// Who an answer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Anyone, without signing in.
    Public,
    /// A signed-in planner (or the command line, which reads the store).
    Staff,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Staff => "staff",
        }
    }
}

/// A count as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// This number (exact, or rounded for the public).
    Value(u64),
    /// Somewhere in this range (inclusive): a small count.
    Range(u64, u64),
}

/// How counts of residents are published to one audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    pub audience: Audience,
    /// Counts from 1 to `min − 1` are published as that range.
    pub min: u32,
    /// Other counts are rounded to a multiple of this (1: exact).
    pub base: u32,
}

impl Disclosure {
    /// Every count exactly (signed-in staff, the command line).
    pub const fn exact() -> Disclosure {
        Disclosure {
            audience: Audience::Staff,
            min: 0,
            base: 1,
        }
    }

    /// The public's rule: 1 to `min − 1` as a range, the rest rounded to
    /// the nearest multiple of `min` (5).
    pub const fn public(min: u32) -> Disclosure {
        Disclosure {
            audience: Audience::Public,
            min,
            base: if min > 1 { min } else { 1 },
        }
    }

    /// The rule for an audience, with the thresholds' minimum.
    pub fn for_audience(audience: Audience, min: u32) -> Disclosure {
        match audience {
            Audience::Public => Disclosure::public(min),
            Audience::Staff => Disclosure::exact(),
        }
    }

    pub fn is_exact(&self) -> bool {
        self.min <= 1 && self.base <= 1
    }

    /// A count of residents as published.
    pub fn count(&self, n: u64) -> Published {
        let (min, base) = (u64::from(self.min), u64::from(self.base.max(1)));
        if n > 0 && n < min {
            return Published::Range(1, min - 1);
        }
        Published::Value((n + base / 2) / base * base)
    }

    /// A weighted sum of residents (the siting's objective, a gain) as
    /// published: as [`Disclosure::count`], kept to 0.1 when exact.
    pub fn weight(&self, w: f64) -> Option<f64> {
        if self.is_exact() {
            return Some((w * 10.0).round() / 10.0);
        }
        let (min, base) = (f64::from(self.min), f64::from(self.base.max(1)));
        if w > 0.0 && w < min {
            return None;
        }
        Some((w / base).round() * base)
    }

    /// A count as a JSON number, `null` for a range.
    pub fn json(&self, n: u64) -> Value {
        match self.count(n) {
            Published::Value(v) => json!(v),
            Published::Range(..) => Value::Null,
        }
    }

    /// `key` (a JSON number, or `null` for a range) and, for a range,
    /// `key_min` and `key_max`.
    pub fn put(&self, m: &mut Map<String, Value>, key: &str, n: u64) {
        match self.count(n) {
            Published::Value(v) => {
                m.insert(key.into(), json!(v));
            }
            Published::Range(lo, hi) => {
                m.insert(key.into(), Value::Null);
                m.insert(format!("{key}_min"), json!(lo));
                m.insert(format!("{key}_max"), json!(hi));
            }
        }
    }

    /// A count in words for English texts and CSV cells: "125", "1–4".
    pub fn text(&self, n: u64) -> String {
        match self.count(n) {
            Published::Value(v) => v.to_string(),
            Published::Range(lo, hi) => format!("{lo}–{hi}"),
        }
    }

    /// What an answer says about its counts.
    pub fn describe(&self) -> Value {
        let rule = if self.is_exact() {
            "exact counts (signed in)".to_owned()
        } else {
            format!(
                "counts of 1–{} residents are published only as that range (null, with _min and _max); other counts are rounded to the nearest {}; sign in for exact counts",
                self.min.saturating_sub(1),
                self.base
            )
        };
        json!({"audience": self.audience.as_str(), "min_residents": self.min, "rounded_to": self.base, "rule": rule})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_counts_are_ranges_or_rounded() {
        let d = Disclosure::public(5);
        let got: Vec<String> = [0, 1, 4, 5, 7, 8, 12, 13, 33_348]
            .iter()
            .map(|&n| d.text(n))
            .collect();
        assert_eq!(
            got,
            ["0", "1–4", "1–4", "5", "5", "10", "10", "15", "33350"]
        );
        // Two counts one homestead apart never differ by its residents.
        for a in 5..200u64 {
            for h in 1..5u64 {
                let (Published::Value(x), Published::Value(y)) = (d.count(a), d.count(a + h))
                else {
                    panic!("{a}");
                };
                assert!((y - x) % 5 == 0, "{a} {h}");
            }
        }
        assert_eq!(d.weight(3.5), None);
        assert_eq!(d.weight(1234.5), Some(1235.0));
    }

    #[test]
    fn ranges_are_put_with_their_bounds() {
        let mut m = Map::new();
        Disclosure::public(5).put(&mut m, "residents", 3);
        assert_eq!(
            Value::Object(m),
            json!({"residents": null, "residents_min": 1, "residents_max": 4})
        );
        let mut m = Map::new();
        Disclosure::exact().put(&mut m, "residents", 3);
        assert_eq!(Value::Object(m), json!({"residents": 3}));
    }
}
