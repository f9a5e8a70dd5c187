//! Hooks that cannot fail (`type Error = Infallible`) change nothing in what transitions return:
//! the machine itself with a recorder that cannot fail either, as without hooks, and a
//! `Result` whose error is the recorder's with one that can.

use core::convert::Infallible;

use statewright::{Record, RecordError, Recorder, Refused, TypedMachine, state_machine};

use vending::{Idle, Machine, Paid, PaidOrIdle};

/// What the hooks count.
#[derive(Debug, Default)]
pub struct Till {
    coins: u32,
}

#[state_machine(context = Till)]
#[derive(Debug)]
enum Vending {
    #[initial]
    #[exit]
    #[on(coin -> Paid, token -> Paid | Idle)]
    Idle,
    #[enter]
    #[on(vend -> Idle?)]
    Paid,
}

impl vending::Hooks for Till {
    type Error = Infallible;

    fn exit_idle(&mut self) -> Result<(), Infallible> {
        Ok(())
    }

    fn enter_paid(&mut self) {
        self.coins += 1;
    }
}

/// A recorder that refuses every record.
struct Offline;

#[derive(Debug)]
struct Unreachable;

impl RecordError for Unreachable {}

impl Recorder for Offline {
    type Error = Unreachable;

    fn record(&mut self, _: &Record) -> Result<(), Unreachable> {
        Err(Unreachable)
    }
}

fn main() {
    let m = vending::start(Till::default());
    // A plain transition returns the machine.
    let m: Machine<Paid> = m.coin();
    // A guard returns the machine it leads to, or the one it declined in.
    let m: Machine<Paid> = m.vend(None).unwrap_err();
    let m: Machine<Idle> = m.vend(Some(Idle)).unwrap();
    // A choice returns the choice of machines.
    let m: Machine<Paid> = match m.token(Paid) {
        PaidOrIdle::Paid(paid) => paid,
        PaidOrIdle::Idle(_) => unreachable!(),
    };
    assert_eq!(m.context().coins, 2);
    assert_eq!(m.sequence(), 4);

    // With a recorder that can fail, the error is the recorder's, as without hooks.
    let refused: Refused<Machine<Idle, Offline>, Unreachable> =
        vending::start_with(Till::default(), Offline).coin().unwrap_err();
    assert_eq!(refused.into_machine().sequence(), 0);
}
