//! What reading a clock costs, for record timestamps (BENCHMARKS.md, "Record timestamps"):
//! `cargo run --release -p statewright-benches --bin clocks`. Best of 7 loops of 2 M reads.

use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use statewright::{Ring, StateMachine, state_machine};

#[state_machine]
#[derive(Debug, Clone, PartialEq)]
enum Light {
    #[initial]
    #[on(toggle -> On)]
    Off,
    #[on(toggle -> Off)]
    On,
}

fn bench(name: &str, mut f: impl FnMut() -> u64) {
    let mut best = f64::MAX;
    for _ in 0..7 {
        let n = 2_000_000u64;
        let start = Instant::now();
        let mut acc = 0u64;
        for _ in 0..n {
            acc = acc.wrapping_add(black_box(f()));
        }
        black_box(acc);
        best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    println!("{name:48} {best:6.2} ns");
}

fn main() {
    bench("SystemTime::now", || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let base = Instant::now();
    bench("Instant::now", || base.elapsed().as_nanos() as u64);
    let clock = quanta::Clock::new();
    bench("quanta::Clock::raw", || clock.raw());
    let start = clock.raw();
    bench("quanta raw + delta_as_nanos", || {
        clock.delta_as_nanos(start, clock.raw())
    });
    // A whole transition with its timed record, as a machine writes it (into a ring, so that
    // memory stays flat), and the same untimed.
    let mut machine = statewright::Dynamic::start_with(Light::Off, Ring::new(64)).unwrap();
    bench("a transition of a 2-state machine, timed record", || {
        let record = machine.apply(light::Event::Toggle).unwrap();
        record.at().map_or(0, |t| t.unix_nanos())
    });
    let ring = statewright::Untimed(Ring::new(64));
    let mut machine = statewright::Dynamic::start_with(Light::Off, ring).unwrap();
    bench("the same, untimed record", || {
        let record = machine.apply(light::Event::Toggle).unwrap();
        record.sequence()
    });
    let _ = Light::DEFINITION;
}
