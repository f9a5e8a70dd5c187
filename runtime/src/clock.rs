//! Clocks: wall-clock time for records, monotonic time for durations.
//!
//! Durations (how long a machine stayed in a state) are measured with a monotonic clock, never
//! by subtracting wall-clock times, which jump when the system clock is adjusted. A [`Clock`]
//! gives both; [`SystemClock`] reads the operating system's (`std`), and [`ManualClock`] is
//! moved by hand in tests.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

use crate::time::Timestamp;

/// A source of wall-clock time and monotonic time.
///
/// ```
/// use statewright::{Clock, ManualClock, Timestamp};
/// use core::time::Duration;
///
/// let clock = ManualClock::new(Timestamp::from_unix_nanos(1_000));
/// let start = clock.monotonic();
/// clock.advance(Duration::from_millis(5));
/// assert_eq!(clock.monotonic() - start, Duration::from_millis(5));
/// assert_eq!(clock.now(), Some(Timestamp::from_unix_nanos(5_001_000)));
/// ```
pub trait Clock {
    /// The wall-clock time, or `None` when there is none (or it is out of range).
    fn now(&self) -> Option<Timestamp>;

    /// Monotonic time since an arbitrary fixed origin (the clock's creation for the provided
    /// clocks): it never goes backwards and does not follow changes of the system clock.
    fn monotonic(&self) -> Duration;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Option<Timestamp> {
        (**self).now()
    }

    fn monotonic(&self) -> Duration {
        (**self).monotonic()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Option<Timestamp> {
        (**self).now()
    }

    fn monotonic(&self) -> Duration {
        (**self).monotonic()
    }
}

/// The operating system's clocks: `SystemTime` for wall-clock time, `Instant` for monotonic
/// time (measured from the clock's creation).
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: std::time::Instant,
}

#[cfg(feature = "std")]
impl SystemClock {
    /// A system clock whose monotonic origin is now.
    pub fn new() -> Self {
        SystemClock {
            origin: std::time::Instant::now(),
        }
    }
}

#[cfg(feature = "std")]
impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

#[cfg(feature = "std")]
impl Clock for SystemClock {
    fn now(&self) -> Option<Timestamp> {
        Timestamp::now()
    }

    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that moves only when told to, for tests. Clones share the same time, so a test can
/// keep one and hand another to the code under test.
///
/// [`advance`](ManualClock::advance) moves both times forward; [`set_wall`](ManualClock::set_wall)
/// moves the wall-clock time alone (as an administrator or NTP would), in either direction,
/// and leaves monotonic time where it was.
#[derive(Debug, Clone)]
pub struct ManualClock {
    /// Wall-clock nanoseconds since the epoch, and monotonic nanoseconds.
    times: Arc<(AtomicU64, AtomicU64)>,
}

impl ManualClock {
    /// A clock showing `wall`, with monotonic time zero.
    pub fn new(wall: Timestamp) -> Self {
        ManualClock {
            times: Arc::new((AtomicU64::new(wall.unix_nanos()), AtomicU64::new(0))),
        }
    }

    /// Moves both times forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        for time in [&self.times.0, &self.times.1] {
            let _ = time.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(nanos))
            });
        }
    }

    /// Sets the wall-clock time alone: a jump of the system clock, forwards or backwards.
    pub fn set_wall(&self, wall: Timestamp) {
        self.times.0.store(wall.unix_nanos(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Option<Timestamp> {
        Some(Timestamp::from_unix_nanos(
            self.times.0.load(Ordering::SeqCst),
        ))
    }

    fn monotonic(&self) -> Duration {
        Duration::from_nanos(self.times.1.load(Ordering::SeqCst))
    }
}
