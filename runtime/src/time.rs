//! Wall-clock timestamps for records.

use core::fmt;

/// A point in wall-clock time: nanoseconds since the Unix epoch (1970-01-01T00:00:00Z).
///
/// Records carry one when the `std` feature is on. It prints in RFC 3339 form, in UTC, with
/// nanoseconds.
///
/// ```
/// use statewright_runtime::Timestamp;
///
/// let t = Timestamp::from_unix_nanos(1_764_323_663_000_000_123);
/// assert_eq!(t.to_string(), "2025-11-28T09:54:23.000000123Z");
/// assert_eq!(t.unix_nanos(), 1_764_323_663_000_000_123);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    nanos: u64,
}

impl Timestamp {
    /// The timestamp `nanos` nanoseconds after the Unix epoch.
    pub const fn from_unix_nanos(nanos: u64) -> Self {
        Timestamp { nanos }
    }

    /// Nanoseconds since the Unix epoch.
    pub const fn unix_nanos(self) -> u64 {
        self.nanos
    }

    /// The current wall-clock time, or `None` when the system clock is set before 1970 or
    /// after the year 2554 (the range of `u64` nanoseconds).
    ///
    /// ```
    /// let now = statewright_runtime::Timestamp::now().unwrap();
    /// assert!(now.unix_nanos() > 1_700_000_000_000_000_000);
    /// ```
    #[cfg(feature = "std")]
    pub fn now() -> Option<Self> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        u64::try_from(since.as_nanos())
            .ok()
            .map(Timestamp::from_unix_nanos)
    }
}

/// The civil date (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
///
/// The proleptic Gregorian calendar, computed by eras of 400 years.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

impl fmt::Debug for Timestamp {
    /// `Timestamp(2025-11-28T09:54:23.000000123Z)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.nanos / 1_000_000_000;
        let nanos = self.nanos % 1_000_000_000;
        let (year, month, day) = civil_from_days(secs / 86_400);
        let rem = secs % 86_400;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn epoch_and_leap_days_print_in_rfc3339() {
        assert_eq!(
            Timestamp::from_unix_nanos(0).to_string(),
            "1970-01-01T00:00:00.000000000Z"
        );
        // 2000-02-29 (a leap day in a year divisible by 400) 12:34:56.5
        assert_eq!(
            Timestamp::from_unix_nanos(951_827_696_500_000_000).to_string(),
            "2000-02-29T12:34:56.500000000Z"
        );
        // 2100-03-01: 2100 is not a leap year
        assert_eq!(
            Timestamp::from_unix_nanos(4_107_542_400_000_000_000).to_string(),
            "2100-03-01T00:00:00.000000000Z"
        );
        // the largest representable value
        assert_eq!(
            Timestamp::from_unix_nanos(u64::MAX).to_string(),
            "2554-07-21T23:34:33.709551615Z"
        );
    }
}
