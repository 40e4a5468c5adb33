//! Request validation before any I/O: missing required fields and out-of-range values
//! are reported together, each naming the field (builder name and wire name) and value.

use std::fmt;

/// One thing wrong with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A required field was not set.
    Missing {
        /// Builder method / struct field name.
        field: &'static str,
        /// Name on the wire.
        wire: &'static str,
    },
    /// A value outside the range the spec allows.
    OutOfRange {
        /// Builder method / struct field name.
        field: &'static str,
        /// Name on the wire.
        wire: &'static str,
        /// The value given.
        value: String,
        /// The allowed range, e.g. `14400..=604800`.
        range: String,
    },
    /// The client configuration lacks something this operation needs (e.g. a region).
    Config {
        /// What is missing or wrong.
        what: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { field, wire } => {
                write!(f, "missing required field `{field}` ({wire})")
            }
            Problem::OutOfRange {
                field,
                wire,
                value,
                range,
            } => {
                write!(f, "`{field}` ({wire}) = {value} is out of range {range}")
            }
            Problem::Config { what } => write!(f, "client configuration: {what}"),
        }
    }
}

/// A request that cannot be sent. No I/O has happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    operation: &'static str,
    problems: Vec<Problem>,
}

impl BuildError {
    /// A build error with one problem.
    pub fn new(operation: &'static str, problem: Problem) -> Self {
        Self {
            operation,
            problems: vec![problem],
        }
    }

    /// The operation's wire name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Everything wrong with the request, in field order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} request: ", self.operation)?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// Collects problems while a generated builder checks its fields.
#[doc(hidden)]
#[derive(Debug)]
pub struct Check {
    operation: &'static str,
    problems: Vec<Problem>,
}

impl Check {
    /// Starts checking a request of `operation`.
    pub fn new(operation: &'static str) -> Self {
        Self {
            operation,
            problems: Vec::new(),
        }
    }

    /// Records a missing required field; passes the value through.
    pub fn required<T>(
        &mut self,
        field: &'static str,
        wire: &'static str,
        value: Option<T>,
    ) -> Option<T> {
        if value.is_none() {
            self.problems.push(Problem::Missing { field, wire });
        }
        value
    }

    /// Records a value outside `min..=max` (either bound optional).
    pub fn range<T: PartialOrd + fmt::Display>(
        &mut self,
        field: &'static str,
        wire: &'static str,
        value: Option<&T>,
        min: Option<T>,
        max: Option<T>,
    ) {
        let Some(v) = value else { return };
        let low = min.as_ref().is_some_and(|m| v < m);
        let high = max.as_ref().is_some_and(|m| v > m);
        if low || high {
            let show = |b: &Option<T>| b.as_ref().map(ToString::to_string).unwrap_or_default();
            self.problems.push(Problem::OutOfRange {
                field,
                wire,
                value: v.to_string(),
                range: format!("{}..={}", show(&min), show(&max)),
            });
        }
    }

    /// Fails with every recorded problem, or assembles the request.
    pub fn finish<T>(self, assemble: impl FnOnce() -> Option<T>) -> Result<T, BuildError> {
        if !self.problems.is_empty() {
            return Err(BuildError {
                operation: self.operation,
                problems: self.problems,
            });
        }
        // `assemble` is `None` only if a required field is unset, which was recorded above.
        assemble().ok_or(BuildError {
            operation: self.operation,
            problems: vec![Problem::Config {
                what: "internal: required field vanished".into(),
            }],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_all_problems() {
        let mut c = Check::new("Op");
        let a: Option<String> = c.required("db_id", "DBId", None);
        c.range(
            "valid_time",
            "ValidTime",
            Some(&5),
            Some(14400),
            Some(604800),
        );
        c.range("ok", "Ok", Some(&20000), Some(14400), Some(604800));
        let err = c.finish(|| a.map(|_| ())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid Op request: missing required field `db_id` (DBId); \
             `valid_time` (ValidTime) = 5 is out of range 14400..=604800"
        );
    }
}
