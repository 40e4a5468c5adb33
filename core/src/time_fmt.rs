//! Raw-preserving timestamps.
//!
//! A vendor's timestamp is kept exactly as sent ([`Timestamp::raw`]); [`Timestamp::parsed`]
//! interprets it in the format the spec declares and yields `None` for text that does not
//! parse (Huawei's documented sample says `2018-08-016T10:15:14+0000`), so one bad date
//! never fails a whole response.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// How a [`Timestamp`]'s text is interpreted. Implemented by the marker types below.
pub trait TimeFormat {
    /// Parses the raw text; `None` when it is not in this format.
    fn parse(raw: &str) -> Option<OffsetDateTime>;
    /// Human name of the format, for docs and `Debug`.
    const NAME: &'static str;
    /// Whether the wire value is a number (Unix seconds), not text.
    const NUMERIC: bool = false;
}

/// Whole seconds since the Unix epoch, an integer on the wire (UCloud's `CreateTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnixSeconds {}

/// RFC 3339 / ISO 8601 with an offset: `2018-08-16T10:15:14Z`, `…+00:00` or `…+0000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Iso8601 {}

/// `YYYY-MM-DD hh:mm:ss` wall-clock time in China Standard Time (UTC+8), as Tencent sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateTimeCst {}

/// `YYYY-MM-DD hh:mm:ss` in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateTimeUtc {}

const ISO_COLON: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory]:[offset_minute]"
);
const ISO_BASIC: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
);
const ISO_Z: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]Z");
const SQL: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

impl TimeFormat for Iso8601 {
    const NAME: &'static str = "ISO 8601";
    fn parse(raw: &str) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(raw, ISO_COLON)
            .or_else(|_| OffsetDateTime::parse(raw, ISO_BASIC))
            .ok()
            .or_else(|| {
                PrimitiveDateTime::parse(raw, ISO_Z)
                    .ok()
                    .map(|t| t.assume_utc())
            })
    }
}

impl TimeFormat for DateTimeCst {
    const NAME: &'static str = "YYYY-MM-DD hh:mm:ss (UTC+8)";
    fn parse(raw: &str) -> Option<OffsetDateTime> {
        let cst = UtcOffset::from_hms(8, 0, 0).ok()?;
        PrimitiveDateTime::parse(raw, SQL)
            .ok()
            .map(|t| t.assume_offset(cst))
    }
}

impl TimeFormat for DateTimeUtc {
    const NAME: &'static str = "YYYY-MM-DD hh:mm:ss (UTC)";
    fn parse(raw: &str) -> Option<OffsetDateTime> {
        PrimitiveDateTime::parse(raw, SQL)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    }
}

impl TimeFormat for UnixSeconds {
    const NAME: &'static str = "Unix seconds";
    const NUMERIC: bool = true;
    fn parse(raw: &str) -> Option<OffsetDateTime> {
        let secs: i64 = raw.trim().parse().ok()?;
        OffsetDateTime::from_unix_timestamp(secs).ok()
    }
}

impl Timestamp<UnixSeconds> {
    /// The instant `t`, to the second (for a request field).
    pub fn at(t: OffsetDateTime) -> Self {
        Self::new(t.unix_timestamp().to_string())
    }
}

/// A timestamp that keeps the vendor's text. `F` names its format.
pub struct Timestamp<F> {
    raw: String,
    format: PhantomData<F>,
}

impl<F: TimeFormat> Timestamp<F> {
    /// Wraps raw text.
    pub fn new(raw: impl Into<String>) -> Self {
        Self {
            raw: raw.into(),
            format: PhantomData,
        }
    }

    /// The text exactly as the vendor sent it.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The instant, or `None` when the text is not a valid time in format `F`.
    pub fn parsed(&self) -> Option<OffsetDateTime> {
        F::parse(&self.raw)
    }
}

impl<F> Clone for Timestamp<F> {
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
            format: PhantomData,
        }
    }
}

impl<F> PartialEq for Timestamp<F> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl<F: TimeFormat> fmt::Debug for Timestamp<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let valid = if self.parsed().is_some() {
            ""
        } else {
            ", invalid"
        };
        write!(f, "Timestamp({:?}{valid})", self.raw)
    }
}

impl<'de, F> Deserialize<'de> for Timestamp<F> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::text(d).map(|raw| Self {
            raw,
            format: PhantomData,
        })
    }
}

impl<F> crate::de::Lenient for Timestamp<F> {
    #[inline]
    fn de_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

/// A timestamp travels as the text it was given (a request sends what the caller wrote);
/// one of a numeric format as the integer that text is, where it is one.
impl<F: TimeFormat> crate::wire::ToWire for Timestamp<F> {
    fn to_wire(&self) -> crate::wire::Value {
        match self.raw.trim().parse::<i64>() {
            Ok(n) if F::NUMERIC => crate::wire::Value::Int(n),
            _ => crate::wire::Value::Str(self.raw.clone()),
        }
    }
}

impl From<OffsetDateTime> for Timestamp<UnixSeconds> {
    fn from(t: OffsetDateTime) -> Self {
        Self::at(t)
    }
}

impl<F: TimeFormat> From<&str> for Timestamp<F> {
    fn from(raw: &str) -> Self {
        Self::new(raw)
    }
}

impl<F: TimeFormat> From<String> for Timestamp<F> {
    fn from(raw: String) -> Self {
        Self::new(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_read_text_or_numbers_and_travel_as_integers() {
        use crate::wire::{ToWire, Value};
        let t: Timestamp<UnixSeconds> = serde_json::from_str("1534414514").expect("number");
        assert_eq!(t.raw(), "1534414514");
        assert_eq!(t.parsed().map(|t| t.unix_timestamp()), Some(1534414514));
        assert_eq!(t.to_wire(), Value::Int(1534414514));
        let at = Timestamp::<UnixSeconds>::at(t.parsed().expect("valid"));
        assert_eq!(at, t);
        let odd = Timestamp::<UnixSeconds>::new("soon");
        assert_eq!(odd.parsed(), None);
        assert_eq!(odd.to_wire(), Value::Str("soon".into()));
        // A text format stays text even when it is all digits.
        assert_eq!(
            Timestamp::<Iso8601>::new("20180816").to_wire(),
            Value::Str("20180816".into())
        );
    }

    #[test]
    fn formats() {
        let t = Timestamp::<Iso8601>::new("2018-08-16T10:15:14+0000");
        assert_eq!(t.parsed().map(|t| t.unix_timestamp()), Some(1534414514));
        assert_eq!(
            Timestamp::<Iso8601>::new("2018-08-16T10:15:14Z").parsed(),
            t.parsed()
        );
        assert_eq!(
            Timestamp::<Iso8601>::new("2018-08-16T10:15:14+00:00").parsed(),
            t.parsed()
        );
        let bad = Timestamp::<Iso8601>::new("2018-08-016T10:15:14+0000");
        assert_eq!(bad.parsed(), None);
        assert_eq!(bad.raw(), "2018-08-016T10:15:14+0000");
        assert_eq!(
            format!("{bad:?}"),
            "Timestamp(\"2018-08-016T10:15:14+0000\", invalid)"
        );
        let cst = Timestamp::<DateTimeCst>::new("2016-07-06 01:04:54");
        assert_eq!(cst.parsed().map(|t| t.unix_timestamp()), Some(1467738294));
    }
}
