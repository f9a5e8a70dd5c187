//! Every new feature at once, under `deny(warnings, missing_docs)`, with the prelude's names
//! shadowed: the generated code names nothing the user could shadow.
#![deny(warnings, missing_docs)]
#![allow(dead_code)]

use statewright::{Dynamic, StateInfo, state_machine};

#[allow(unused)]
struct Result;
#[allow(unused)]
struct Option;
#[allow(unused)]
struct Ok;

/// The context.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Ledger {
    /// Entries.
    pub entries: u32,
}

/// A payment.
#[state_machine(context = Ledger)]
#[derive(Debug, Clone, PartialEq)]
pub enum Payment {
    /// New.
    #[initial]
    #[exit]
    #[on(authorize -> Authorized | Failed, abandon -> Abandoned?)]
    New,
    /// Authorized.
    #[enter]
    #[on(capture -> Captured | Failed, void -> Abandoned)]
    Authorized,
    /// Captured.
    #[terminal]
    Captured(u64),
    /// Failed.
    #[enter]
    #[on(retry -> New)]
    Failed {
        /// The provider's code.
        code: u16,
    },
    /// Abandoned.
    #[terminal]
    Abandoned,
}

impl payment::Hooks for Ledger {
    type Error = core::convert::Infallible;
    fn exit_new(&mut self) -> core::result::Result<(), Self::Error> {
        self.entries += 1;
        core::result::Result::Ok(())
    }
    fn enter_authorized(&mut self) {}
    fn enter_failed(&mut self, code: &mut u16) {
        *code += 1;
    }
    fn on_capture(&mut self, _: StateInfo, _: StateInfo) -> core::result::Result<(), Self::Error> {
        core::result::Result::Ok(())
    }
}

fn main() {
    let m = payment::start(Ledger::default());
    // The hooks cannot fail (`Infallible`), so transitions return machines, not `Result`s.
    let m = match m.authorize(payment::Authorized) {
        payment::AuthorizedOrFailed::Authorized(m) => m,
        payment::AuthorizedOrFailed::Failed(m) => match m
            .retry()
            .authorize_with(|_| payment::Authorized.into())
        {
            payment::AuthorizedOrFailed::Authorized(m) => m,
            payment::AuthorizedOrFailed::Failed(_) => return,
        },
    };
    let d: Dynamic<Payment> = m.capture(payment::Captured(5)).into();
    assert_eq!(d.context().entries, 1);
    let _ = <payment::New as statewright::State>::EVENTS;
    // A declined guard hands the machine back in `Err`.
    let _ = payment::start(Ledger::default()).abandon(core::option::Option::None);
}
