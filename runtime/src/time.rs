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

/// The wall-clock time written into records: the system clock as [`Timestamp::now`] reads it,
/// at a fraction of the cost.
///
/// Reading the system clock costs more than a whole transition (29 ns here, BENCHMARKS.md), so
/// each thread reads it at most once per millisecond of cycle-counter time and extrapolates
/// with the CPU's cycle counter in between (`quanta`, calibrated against the OS clock; where
/// the counter is unreliable, quanta reads the OS's monotonic clock instead). What that means
/// for the times a record carries:
///
/// - resolution: the cycle counter's, tens of nanoseconds;
/// - accuracy: within about a microsecond of the system clock while NTP slews it (500 ppm at
///   most over a millisecond); a step of the system clock (set by hand, a leap) shows within
///   a millisecond;
/// - order: on one thread, a time is never before the previous one, unless the system clock
///   was set back by more than 10 ms (then records follow the wall clock back:
///   the time is for people; the sequence number orders records).
#[cfg(feature = "std")]
pub(crate) fn record_now() -> Option<Timestamp> {
    ANCHOR.with(|cell| {
        let clock = clock();
        let raw = clock.raw();
        let anchor = cell.get();
        let elapsed = clock.delta_as_nanos(anchor.raw, raw);
        let (anchor, wall) = advance(anchor, raw, elapsed, || {
            Timestamp::now().map(Timestamp::unix_nanos)
        })?;
        cell.set(anchor);
        Some(Timestamp::from_unix_nanos(wall))
    })
}

/// The next record time of a thread whose anchor is `anchor`, now that the cycle counter reads
/// `raw`, `elapsed` nanoseconds after the anchor's reading; `system` reads the system clock
/// (called only to re-anchor). The new anchor and the time; `None` when the system clock is
/// out of `Timestamp`'s range.
#[cfg(feature = "std")]
fn advance(
    anchor: Anchor,
    raw: u64,
    elapsed: u64,
    system: impl FnOnce() -> Option<u64>,
) -> Option<(Anchor, u64)> {
    let extrapolated = anchor.wall.checked_add(elapsed);
    let (mut anchor, wall) = match extrapolated {
        Some(wall) if anchor.wall != 0 && elapsed < REANCHOR_NANOS => (anchor, wall),
        _ => {
            // Re-anchor on the system clock (also the first time on this thread).
            let wall = system()?;
            (
                Anchor {
                    raw,
                    wall,
                    last: anchor.last,
                },
                wall,
            )
        }
    };
    // Never before the thread's previous time, unless the wall clock went back far.
    let held = anchor.last;
    let wall = if wall < held && held - wall <= BACKWARDS_HELD_NANOS {
        held
    } else {
        wall
    };
    anchor.last = wall;
    Some((anchor, wall))
}

/// How often (in cycle-counter time) a thread reads the system clock again when it writes
/// records, for [`record_now`]: 1 ms.
#[cfg(feature = "std")]
const REANCHOR_NANOS: u64 = 1_000_000;

/// How far back the system clock may step while record times hold at the previous one: 10 ms
/// (the extrapolation error over one re-anchoring period is far below it).
#[cfg(feature = "std")]
const BACKWARDS_HELD_NANOS: u64 = 10_000_000;

/// A thread's anchor: a cycle-counter reading, the wall time at it (0: none yet), and the last
/// time given out.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Default, Debug, PartialEq)]
struct Anchor {
    raw: u64,
    wall: u64,
    last: u64,
}

#[cfg(feature = "std")]
std::thread_local! {
    static ANCHOR: core::cell::Cell<Anchor> = const {
        core::cell::Cell::new(Anchor { raw: 0, wall: 0, last: 0 })
    };
}

/// The process's calibrated cycle counter (calibrated once, on first use: well under a
/// millisecond here).
#[cfg(feature = "std")]
fn clock() -> &'static quanta::Clock {
    static CLOCK: std::sync::OnceLock<quanta::Clock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
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

    /// The system clock in nanoseconds.
    #[cfg(feature = "std")]
    fn system() -> u64 {
        Timestamp::now().unwrap().unix_nanos()
    }

    #[cfg(feature = "std")]
    #[test]
    fn record_times_follow_the_system_clock_and_never_go_back_on_a_thread() {
        // Within one re-anchoring period and across several (the sleeps), each record time lies
        // between the system clock read just before and just after it, give or take the
        // extrapolation error (a few microseconds allowed; the bound documented is about one).
        let slack = 50_000; // 50 us: a loaded, shared machine's scheduling, not the clock
        let mut previous = 0;
        for round in 0..5 {
            for _ in 0..1_000 {
                let before = system();
                let t = record_now().unwrap().unix_nanos();
                let after = system();
                assert!(
                    t + slack >= before && t <= after + slack,
                    "{before} {t} {after}"
                );
                assert!(t >= previous, "went back: {previous} -> {t}");
                previous = t;
            }
            std::thread::sleep(core::time::Duration::from_millis(2 * round));
        }
    }

    #[cfg(feature = "std")]
    #[test]
    fn each_thread_keeps_its_own_anchor() {
        let here = record_now().unwrap().unix_nanos();
        let there = std::thread::spawn(|| record_now().unwrap().unix_nanos())
            .join()
            .unwrap();
        let now = system();
        assert!(here <= now + 50_000 && there <= now + 50_000 && there + 50_000 >= here);
    }

    #[cfg(feature = "std")]
    #[test]
    fn between_anchors_time_is_extrapolated_and_the_system_clock_is_not_read() {
        let anchor = Anchor {
            raw: 100,
            wall: 5_000_000_000,
            last: 5_000_000_000,
        };
        let (next, t) = advance(anchor, 200, 999_999, || panic!("not read")).unwrap();
        assert_eq!(t, 5_000_999_999);
        assert_eq!(
            (next.raw, next.wall, next.last),
            (100, 5_000_000_000, 5_000_999_999)
        );
    }

    #[cfg(feature = "std")]
    #[test]
    fn after_a_millisecond_or_on_first_use_the_system_clock_is_read() {
        let anchor = Anchor {
            raw: 100,
            wall: 5_000_000_000,
            last: 5_000_000_000,
        };
        let (next, t) = advance(anchor, 900, 1_000_000, || Some(7_000_000_000)).unwrap();
        assert_eq!(
            (t, next.raw, next.wall),
            (7_000_000_000, 900, 7_000_000_000)
        );
        let (first, t) = advance(Anchor::default(), 42, 3, || Some(9)).unwrap();
        assert_eq!((t, first.raw, first.wall, first.last), (9, 42, 9, 9));
        // An anchor whose extrapolation overflows is replaced too.
        let far = Anchor {
            raw: 0,
            wall: u64::MAX - 1,
            last: 0,
        };
        assert_eq!(advance(far, 1, 10, || Some(3)).unwrap().1, 3);
        // A system clock out of range gives no time, and the anchor is not replaced.
        assert_eq!(advance(Anchor::default(), 1, 1, || None), None);
    }

    #[cfg(feature = "std")]
    #[test]
    fn a_small_step_back_is_held_and_a_large_one_is_followed() {
        let anchor = Anchor {
            raw: 0,
            wall: 50_000_000_000,
            last: 50_000_500_000,
        };
        // The system clock stepped back 5 ms: times hold at the last one.
        let (_, t) = advance(anchor, 1, 2_000_000, || Some(49_995_500_000)).unwrap();
        assert_eq!(t, 50_000_500_000);
        // Exactly the limit, 10 ms back: still held.
        let (_, t) = advance(anchor, 1, 2_000_000, || Some(49_990_500_000)).unwrap();
        assert_eq!(t, 50_000_500_000);
        // An hour back: followed, the time is for people.
        let (next, t) = advance(anchor, 1, 2_000_000, || Some(46_400_000_000)).unwrap();
        assert_eq!((t, next.last), (46_400_000_000, 46_400_000_000));
    }
}
