//! A recorder that reports transitions to [`tracing`](https://docs.rs/tracing) (feature
//! `tracing`).

use alloc::string::String;

use core::convert::Infallible;

use crate::record::{Outcome, Record};
use crate::recorder::Recorder;

/// Emits one `tracing` event per record, with target `statewright` and the fields `machine`,
/// `instance`, `sequence`, `from`, `event`, `to`: applied transitions at `INFO`, rejected
/// events at `WARN`. Optionally inside a span per machine instance.
///
/// It cannot fail, so it composes after a durable recorder, which then decides whether the
/// transition happens: `(journal.recorder("o-17"), Tracing::new().instance("o-17"))`.
///
/// ```
/// use statewright::{state_machine, Tracing};
///
/// #[state_machine]
/// enum Light {
///     #[initial]
///     #[on(toggle -> On)]
///     Off,
///     #[on(toggle -> Off)]
///     On,
/// }
///
/// # fn main() {
/// // With a subscriber installed, this logs
/// // INFO machine{machine="Light" instance="hall"}: statewright: transition machine="Light" instance="hall" sequence=1 from="Off" event="toggle" to="On"
/// let light = light::start_with(Tracing::new().instance("hall").with_span()).toggle();
/// # let _ = light;
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Tracing {
    instance: String,
    span: Option<tracing::Span>,
    wants_span: bool,
}

impl Tracing {
    /// A recorder with an empty instance id.
    pub fn new() -> Self {
        Tracing::default()
    }

    /// Sets the instance id reported with every event.
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = instance.into();
        self
    }

    /// Emits the events inside an `INFO` span named `machine`, with fields `machine` and
    /// `instance`, created at the first record.
    pub fn with_span(mut self) -> Self {
        self.wants_span = true;
        self
    }
}

impl Recorder for Tracing {
    type Error = Infallible;
    /// Subscribers time events themselves.
    #[inline(always)]
    fn timestamps(&self) -> bool {
        false
    }

    fn record(&mut self, record: &Record) -> Result<(), Infallible> {
        if self.wants_span && self.span.is_none() {
            self.span = Some(tracing::info_span!(
                target: "statewright",
                "machine",
                machine = record.machine(),
                instance = self.instance.as_str()
            ));
        }
        let _entered = self.span.as_ref().map(tracing::Span::enter);
        let (machine, instance, sequence) =
            (record.machine(), self.instance.as_str(), record.sequence());
        let (from, event, to) = (
            record.from().name(),
            record.event().name(),
            record.to().name(),
        );
        match record.outcome() {
            Outcome::Applied => tracing::info!(
                target: "statewright",
                machine, instance, sequence, from, event, to,
                "transition"
            ),
            _ => tracing::warn!(
                target: "statewright",
                machine, instance, sequence, from, event, to,
                "rejected"
            ),
        }
        Ok(())
    }
}
