//! Typed transitions: statewright's typestate API against a hand-written typestate chain
//! (a struct per state, methods that consume `self`), with and without the record copy, and
//! statum.
//!
//! Typed code cannot take arbitrary events, so the stream is a sequence of legal paths chosen
//! at random: for the order, one fresh machine per path (pay-ship-deliver, pay-cancel, cancel);
//! for TCP, one long-lived machine walking cycles from CLOSED back to CLOSED.

use std::hint::black_box;
use std::time::{Duration, Instant};

use statewright::{Memory, TypedMachine, Untimed};

use crate::{HandRecord, Options, Row, SEED, SplitMix64, Table, order, rounds, tcp};

/// Order paths: (events, final state index).
pub const ORDER_PATHS: [(usize, u64); 3] = [(3, 3), (2, 4), (1, 4)];

/// TCP cycles from CLOSED to CLOSED: number of events of each.
pub const TCP_PATHS: [usize; 6] = [2, 2, 6, 6, 6, 3];

/// `n` path indices below `k` from the fixed seed.
pub fn paths(n: usize, k: usize, salt: u64) -> Vec<u8> {
    let mut rng = SplitMix64(SEED ^ salt);
    (0..n).map(|_| rng.below(k) as u8).collect()
}

/// The number of events of `paths` (order or TCP).
pub fn events_of(paths: &[u8], lengths: &[usize]) -> usize {
    paths.iter().map(|&p| lengths[p as usize]).sum()
}

// ---------------------------------------------------------------------------------------------
// Order, hand-written typestate.

/// A hand-written typestate chain without records: the states are zero-sized, so this is what
/// the optimizer leaves of a typestate machine that does nothing.
pub mod hand_order {
    /// Pending.
    pub struct Pending;
    /// Paid.
    pub struct Paid;
    /// Shipped.
    pub struct Shipped;
    /// Delivered.
    pub struct Delivered;
    /// Cancelled.
    pub struct Cancelled;
    impl Pending {
        /// pay.
        pub fn pay(self) -> Paid {
            Paid
        }
        /// cancel.
        pub fn cancel(self) -> Cancelled {
            Cancelled
        }
    }
    impl Paid {
        /// ship.
        pub fn ship(self) -> Shipped {
            Shipped
        }
        /// cancel.
        pub fn cancel(self) -> Cancelled {
            Cancelled
        }
    }
    impl Shipped {
        /// deliver.
        pub fn deliver(self) -> Delivered {
            Delivered
        }
    }
}

/// A hand-written typestate chain that records each transition, (sequence, from, event, to),
/// into a caller's preallocated `Vec`: the floor for "typed, and every transition recorded".
pub mod hand_order_rec {
    use crate::HandRecord;

    /// A machine in state `S`.
    pub struct M<'a, S> {
        sequence: u64,
        log: &'a mut Vec<HandRecord>,
        _state: S,
    }
    /// Pending.
    pub struct Pending;
    /// Paid.
    pub struct Paid;
    /// Shipped.
    pub struct Shipped;
    /// Delivered.
    pub struct Delivered;
    /// Cancelled.
    pub struct Cancelled;

    /// A machine in Pending.
    pub fn start(log: &mut Vec<HandRecord>) -> M<'_, Pending> {
        M {
            sequence: 0,
            log,
            _state: Pending,
        }
    }

    impl<'a, S> M<'a, S> {
        #[inline]
        fn go<T>(self, from: u32, event: u32, to: u32, target: T) -> M<'a, T> {
            let sequence = self.sequence + 1;
            self.log.push((sequence, from, event, to));
            M {
                sequence,
                log: self.log,
                _state: target,
            }
        }
        /// Transitions so far.
        pub fn sequence(&self) -> u64 {
            self.sequence
        }
    }
    impl<'a> M<'a, Pending> {
        /// pay.
        pub fn pay(self) -> M<'a, Paid> {
            self.go(0, 0, 1, Paid)
        }
        /// cancel.
        pub fn cancel(self) -> M<'a, Cancelled> {
            self.go(0, 3, 4, Cancelled)
        }
    }
    impl<'a> M<'a, Paid> {
        /// ship.
        pub fn ship(self) -> M<'a, Shipped> {
            self.go(1, 1, 2, Shipped)
        }
        /// cancel.
        pub fn cancel(self) -> M<'a, Cancelled> {
            self.go(1, 3, 4, Cancelled)
        }
    }
    impl<'a> M<'a, Shipped> {
        /// deliver.
        pub fn deliver(self) -> M<'a, Delivered> {
            self.go(2, 2, 3, Delivered)
        }
    }
}

/// The order typed implementations: each returns a checksum (the sum of the final states'
/// indices plus the records written) the tests compare.
pub mod order_impls {
    use super::*;
    use order::statum::Machine as St;

    /// Hand typestate, no record.
    #[inline(never)]
    pub fn hand(paths: &[u8]) -> u64 {
        let mut sum = 0;
        for &p in paths {
            let m = hand_order::Pending;
            sum += match black_box(p) {
                0 => {
                    black_box(m.pay().ship().deliver());
                    3
                }
                1 => {
                    black_box(m.pay().cancel());
                    4
                }
                _ => {
                    black_box(m.cancel());
                    4
                }
            };
        }
        sum
    }

    /// Hand typestate + record.
    #[inline(never)]
    pub fn hand_record(paths: &[u8], log: &mut Vec<HandRecord>) -> u64 {
        let mut sum = 0;
        for &p in paths {
            let m = hand_order_rec::start(log);
            sum += match black_box(p) {
                0 => 3 + m.pay().ship().deliver().sequence(),
                1 => 4 + m.pay().cancel().sequence(),
                _ => 4 + m.cancel().sequence(),
            };
        }
        sum
    }

    /// statum (no record).
    #[inline(never)]
    pub fn statum(paths: &[u8]) -> u64 {
        let mut sum = 0;
        for &p in paths {
            let m = St::<order::statum::Pending>::builder().build();
            sum += match black_box(p) {
                0 => {
                    black_box(m.pay().ship().deliver());
                    3
                }
                1 => {
                    black_box(m.pay().cancel());
                    4
                }
                _ => {
                    black_box(m.cancel());
                    4
                }
            };
        }
        sum
    }

    /// statewright typed, recording into a caller's `Memory` with capacity (`&mut Memory` is a
    /// recorder).
    #[inline(never)]
    pub fn sw_prealloc(paths: &[u8], memory: &mut Memory) -> u64 {
        let mut sum = 0;
        for &p in paths {
            let m = order::sw::order::start_with(&mut *memory);
            sum += match black_box(p) {
                0 => 3 + m.pay().ship().deliver().sequence(),
                1 => 4 + m.pay().cancel().sequence(),
                _ => 4 + m.cancel().sequence(),
            };
        }
        sum
    }

    /// statewright typed, recording into `Untimed(&mut Memory)`: the same buffer as
    /// `sw_prealloc`, no wall-clock time in the records.
    #[inline(never)]
    pub fn sw_untimed(paths: &[u8], memory: &mut Memory) -> u64 {
        let mut sum = 0;
        for &p in paths {
            let m = order::sw::order::start_with(Untimed(&mut *memory));
            sum += match black_box(p) {
                0 => 3 + m.pay().ship().deliver().sequence(),
                1 => 4 + m.pay().cancel().sequence(),
                _ => 4 + m.cancel().sequence(),
            };
        }
        sum
    }

    /// statewright typed, `order::start()`: a new default `Memory` per order.
    #[inline(never)]
    pub fn sw_memory(paths: &[u8]) -> u64 {
        let mut sum = 0;
        for &p in paths {
            let m = order::sw::order::start();
            sum += match black_box(p) {
                0 => 3 + black_box(m.pay().ship().deliver()).sequence(),
                1 => 4 + black_box(m.pay().cancel()).sequence(),
                _ => 4 + black_box(m.cancel()).sequence(),
            };
        }
        sum
    }

    /// The reference checksum.
    pub fn reference(paths: &[u8]) -> u64 {
        paths
            .iter()
            .map(|&p| {
                let (n, end) = ORDER_PATHS[p as usize];
                n as u64 + end
            })
            .sum()
    }
}

// ---------------------------------------------------------------------------------------------
// TCP, hand-written typestate.

/// A hand-written TCP typestate chain that records each transition into a caller's `Vec`.
/// With `RECORD = false` it records nothing.
pub mod hand_tcp {
    use crate::HandRecord;

    /// A machine in state `S`.
    pub struct M<'a, S, const RECORD: bool> {
        sequence: u64,
        log: &'a mut Vec<HandRecord>,
        _state: S,
    }

    /// A machine in CLOSED.
    pub fn start<const RECORD: bool>(log: &mut Vec<HandRecord>) -> M<'_, Closed, RECORD> {
        M {
            sequence: 0,
            log,
            _state: Closed,
        }
    }

    impl<'a, S, const RECORD: bool> M<'a, S, RECORD> {
        #[inline]
        fn go<T>(self, from: u32, event: u32, to: u32, target: T) -> M<'a, T, RECORD> {
            let sequence = self.sequence + 1;
            if RECORD {
                self.log.push((sequence, from, event, to));
            }
            M {
                sequence,
                log: self.log,
                _state: target,
            }
        }
        /// Transitions so far.
        pub fn sequence(&self) -> u64 {
            self.sequence
        }
    }

    macro_rules! states {
        ($($s:ident),*) => { $(
            #[doc = stringify!($s)]
            pub struct $s;
        )* };
    }
    states!(
        Closed,
        Listen,
        SynSent,
        SynReceived,
        Established,
        FinWait1,
        FinWait2,
        CloseWait,
        Closing,
        LastAck,
        TimeWait
    );

    macro_rules! arcs {
        ($from:ident = $fi:literal { $($event:ident = $ei:literal -> $to:ident = $ti:literal),* }) => {
            impl<'a, const RECORD: bool> M<'a, $from, RECORD> {
                $(
                    #[doc = stringify!($event)]
                    pub fn $event(self) -> M<'a, $to, RECORD> {
                        self.go($fi, $ei, $ti, $to)
                    }
                )*
            }
        };
    }
    // Indices as in tcp::SPEC (states and events in declaration order).
    arcs!(Closed = 0 { passive_open = 0 -> Listen = 1, active_open = 1 -> SynSent = 2 });
    arcs!(Listen = 1 { rcv_syn = 2 -> SynReceived = 3, send = 3 -> SynSent = 2, close = 4 -> Closed = 0 });
    arcs!(SynSent = 2 { rcv_syn = 2 -> SynReceived = 3, rcv_syn_ack = 5 -> Established = 4, close = 4 -> Closed = 0 });
    arcs!(SynReceived = 3 { rcv_ack_of_syn = 6 -> Established = 4, close = 4 -> FinWait1 = 5 });
    arcs!(Established = 4 { close = 4 -> FinWait1 = 5, rcv_fin = 7 -> CloseWait = 7 });
    arcs!(FinWait1 = 5 { rcv_ack_of_fin = 8 -> FinWait2 = 6, rcv_fin = 7 -> Closing = 8 });
    arcs!(FinWait2 = 6 { rcv_fin = 7 -> TimeWait = 10 });
    arcs!(CloseWait = 7 { close = 4 -> LastAck = 9 });
    arcs!(Closing = 8 { rcv_ack_of_fin = 8 -> TimeWait = 10 });
    arcs!(LastAck = 9 { rcv_ack_of_fin = 8 -> Closed = 0 });
    arcs!(TimeWait = 10 { timeout = 9 -> Closed = 0 });
}

/// The six TCP cycles, written once for every typed implementation (they share method names).
macro_rules! tcp_cycle {
    ($m:expr, $p:expr) => {
        match $p {
            0 => $m.passive_open().close(),
            1 => $m.active_open().close(),
            2 => $m
                .passive_open()
                .rcv_syn()
                .rcv_ack_of_syn()
                .rcv_fin()
                .close()
                .rcv_ack_of_fin(),
            3 => $m
                .active_open()
                .rcv_syn_ack()
                .close()
                .rcv_ack_of_fin()
                .rcv_fin()
                .timeout(),
            4 => $m
                .active_open()
                .rcv_syn()
                .close()
                .rcv_fin()
                .rcv_ack_of_fin()
                .timeout(),
            _ => $m.passive_open().send().close(),
        }
    };
}

/// The TCP typed implementations: each returns the number of transitions made.
pub mod tcp_impls {
    use super::*;

    /// Hand typestate, with or without record.
    #[inline(never)]
    pub fn hand<const RECORD: bool>(paths: &[u8], log: &mut Vec<HandRecord>) -> u64 {
        let mut m = hand_tcp::start::<RECORD>(log);
        for &p in paths {
            m = tcp_cycle!(m, black_box(p));
        }
        m.sequence()
    }

    /// statum (no record; counts the transitions itself).
    #[inline(never)]
    pub fn statum(paths: &[u8]) -> u64 {
        let mut m = tcp::statum::Machine::<tcp::statum::Closed>::builder().build();
        let mut n = 0;
        for &p in paths {
            m = tcp_cycle!(m, black_box(p));
            n += TCP_PATHS[p as usize] as u64;
        }
        black_box(m);
        n
    }

    /// statewright typed, recording into a caller's `Memory` with capacity.
    #[inline(never)]
    pub fn sw_prealloc(paths: &[u8], memory: &mut Memory) -> u64 {
        let mut m = tcp::sw::tcp::start_with(memory);
        for &p in paths {
            m = tcp_cycle!(m, black_box(p));
        }
        m.sequence()
    }

    /// statewright typed, recording into `Untimed(&mut Memory)`: the same buffer as
    /// `sw_prealloc`, no wall-clock time in the records.
    #[inline(never)]
    pub fn sw_untimed(paths: &[u8], memory: &mut Memory) -> u64 {
        let mut m = tcp::sw::tcp::start_with(Untimed(memory));
        for &p in paths {
            m = tcp_cycle!(m, black_box(p));
        }
        m.sequence()
    }

    /// statewright typed, `tcp::start()`: the default `Memory`, growing.
    #[inline(never)]
    pub fn sw_memory(paths: &[u8]) -> u64 {
        let mut m = tcp::sw::tcp::start();
        for &p in paths {
            m = tcp_cycle!(m, black_box(p));
        }
        black_box(m).sequence()
    }
}

fn typed_table(
    key: &str,
    title: String,
    items: usize,
    names: Vec<(&str, bool)>,
    runs: &[&dyn Fn() -> Duration],
    opts: &Options,
) -> Table {
    let labels: Vec<String> = names.iter().map(|(n, _)| (*n).to_owned()).collect();
    let ns = rounds(&labels, runs, items, opts.rounds);
    // The target's reference: the hand typestate chain with the record copy (row 1).
    let base = ns[1];
    Table {
        key: key.to_owned(),
        title,
        items,
        baseline: labels[1].clone(),
        rows: names
            .iter()
            .zip(&ns)
            .map(|(&(label, records), &ns)| Row {
                label: label.to_owned(),
                records,
                peer: label.starts_with("statum"),
                ns,
                ratio: ns / base,
            })
            .collect(),
    }
}

fn timed(f: impl FnOnce() -> u64) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

/// The order typed table; checks each implementation's checksum first.
pub fn order_table(opts: &Options) -> Result<Table, String> {
    let n_orders = opts.events / 2;
    let paths = paths(n_orders, ORDER_PATHS.len(), 1);
    let lengths: Vec<usize> = ORDER_PATHS.iter().map(|p| p.0).collect();
    let events = events_of(&paths, &lengths);
    check_order(&paths)?;
    let log = std::cell::RefCell::new(Vec::with_capacity(events));
    let mem = std::cell::RefCell::new(Some(Memory::with_capacity(events)));
    let reset_mem = || {
        let mut v = mem.borrow_mut().take().unwrap().into_vec();
        v.clear();
        *mem.borrow_mut() = Some(Memory::from(v));
    };
    let r0 = || timed(|| order_impls::hand(&paths));
    let r1 = || {
        log.borrow_mut().clear();
        timed(|| order_impls::hand_record(&paths, &mut log.borrow_mut()))
    };
    let r2 = || timed(|| order_impls::statum(&paths));
    let r3 = || {
        reset_mem();
        timed(|| order_impls::sw_prealloc(&paths, mem.borrow_mut().as_mut().unwrap()))
    };
    let r4 = || {
        reset_mem();
        timed(|| order_impls::sw_untimed(&paths, mem.borrow_mut().as_mut().unwrap()))
    };
    let r5 = || timed(|| order_impls::sw_memory(&paths));
    let runs: [&dyn Fn() -> Duration; 6] = [&r0, &r1, &r2, &r3, &r4, &r5];
    Ok(typed_table(
        "order-typed",
        format!(
            "Order machine, typed transitions: {n_orders} orders (fresh machine each), {events} transitions, {} rounds; ns per transition",
            opts.rounds
        ),
        events,
        vec![
            ("hand typestate, no record", false),
            ("hand typestate + record (prealloc Vec)", true),
            ("statum =0.9.0 (no record)", false),
            ("statewright typed, &mut Memory::with_capacity", true),
            (
                "statewright typed, Untimed(&mut Memory) with capacity",
                true,
            ),
            ("statewright typed, order::start() (Memory)", true),
        ],
        &runs,
        opts,
    ))
}

/// Checks the order typed implementations against the reference.
pub fn check_order(paths: &[u8]) -> Result<(), String> {
    let want = order_impls::reference(paths);
    let mut log = Vec::new();
    let mut mem = Memory::new();
    let mut untimed = Memory::new();
    let got = [
        (
            "hand",
            order_impls::hand(paths) + events_of(paths, &[3, 2, 1]) as u64,
        ),
        ("hand + record", order_impls::hand_record(paths, &mut log)),
        (
            "statum",
            order_impls::statum(paths) + events_of(paths, &[3, 2, 1]) as u64,
        ),
        (
            "statewright prealloc",
            order_impls::sw_prealloc(paths, &mut mem),
        ),
        (
            "statewright untimed",
            order_impls::sw_untimed(paths, &mut untimed),
        ),
        ("statewright memory", order_impls::sw_memory(paths)),
    ];
    for (name, got) in got {
        if got != want {
            return Err(format!(
                "order typed {name}: checksum {got}, reference {want}"
            ));
        }
    }
    let events = events_of(paths, &[3, 2, 1]);
    if log.len() != events || mem.len() != events || untimed.len() != events {
        return Err(format!(
            "order typed: {} hand records, {} statewright records, {} untimed, {events} transitions",
            log.len(),
            mem.len(),
            untimed.len()
        ));
    }
    // The records name the same transitions; the untimed ones carry no time, the others do.
    for ((h, s), u) in log.iter().zip(mem.iter()).zip(untimed.iter()) {
        let (_, f, e, t) = *h;
        let spec = &order::SPEC;
        let names = (
            spec.states[f as usize],
            spec.events[e as usize],
            spec.states[t as usize],
        );
        for r in [s, u] {
            if names != (r.from().name(), r.event().name(), r.to().name()) {
                return Err(format!("order typed: hand record {h:?} vs statewright {r}"));
            }
        }
        if s.at().is_none() || u.at().is_some() {
            return Err(format!("order typed: timestamps of {s} and (untimed) {u}"));
        }
    }
    Ok(())
}

/// The TCP typed table; checks each implementation first.
pub fn tcp_table(opts: &Options) -> Result<Table, String> {
    let n_paths = opts.events / 4;
    let paths = paths(n_paths, TCP_PATHS.len(), 2);
    let events = events_of(&paths, &TCP_PATHS);
    check_tcp(&paths)?;
    let log = std::cell::RefCell::new(Vec::with_capacity(events));
    let mem = std::cell::RefCell::new(Some(Memory::with_capacity(events)));
    let reset_mem = || {
        let mut v = mem.borrow_mut().take().unwrap().into_vec();
        v.clear();
        *mem.borrow_mut() = Some(Memory::from(v));
    };
    let r0 = || timed(|| tcp_impls::hand::<false>(&paths, &mut log.borrow_mut()));
    let r1 = || {
        log.borrow_mut().clear();
        timed(|| tcp_impls::hand::<true>(&paths, &mut log.borrow_mut()))
    };
    let r2 = || timed(|| tcp_impls::statum(&paths));
    let r3 = || {
        reset_mem();
        timed(|| tcp_impls::sw_prealloc(&paths, mem.borrow_mut().as_mut().unwrap()))
    };
    let r4 = || {
        reset_mem();
        timed(|| tcp_impls::sw_untimed(&paths, mem.borrow_mut().as_mut().unwrap()))
    };
    let r5 = || timed(|| tcp_impls::sw_memory(&paths));
    let runs: [&dyn Fn() -> Duration; 6] = [&r0, &r1, &r2, &r3, &r4, &r5];
    Ok(typed_table(
        "tcp-typed",
        format!(
            "TCP machine, typed transitions: one machine, {n_paths} cycles CLOSED..CLOSED, {events} transitions, {} rounds; ns per transition",
            opts.rounds
        ),
        events,
        vec![
            ("hand typestate, no record", false),
            ("hand typestate + record (prealloc Vec)", true),
            ("statum =0.9.0 (no record)", false),
            ("statewright typed, &mut Memory::with_capacity", true),
            (
                "statewright typed, Untimed(&mut Memory) with capacity",
                true,
            ),
            ("statewright typed, tcp::start() (Memory)", true),
        ],
        &runs,
        opts,
    ))
}

/// Checks the TCP typed implementations against each other and the reference path lengths.
pub fn check_tcp(paths: &[u8]) -> Result<(), String> {
    let want = events_of(paths, &TCP_PATHS) as u64;
    let mut log = Vec::new();
    let mut mem = Memory::new();
    let mut untimed = Memory::new();
    let got = [
        ("hand", tcp_impls::hand::<false>(paths, &mut Vec::new())),
        ("hand + record", tcp_impls::hand::<true>(paths, &mut log)),
        ("statum", tcp_impls::statum(paths)),
        (
            "statewright prealloc",
            tcp_impls::sw_prealloc(paths, &mut mem),
        ),
        (
            "statewright untimed",
            tcp_impls::sw_untimed(paths, &mut untimed),
        ),
        ("statewright memory", tcp_impls::sw_memory(paths)),
    ];
    for (name, got) in got {
        if got != want {
            return Err(format!(
                "tcp typed {name}: {got} transitions, reference {want}"
            ));
        }
    }
    // The records of the hand chain and of statewright name the same transitions, and follow
    // the reference table; the untimed records carry no time, the others do.
    let spec = &tcp::SPEC;
    for ((h, s), u) in log.iter().zip(mem.iter()).zip(untimed.iter()) {
        let (_, f, e, t) = *h;
        if spec.target(f as u8, e as u8) != Some(t as u8) {
            return Err(format!(
                "tcp typed: hand record {h:?} is not in the reference"
            ));
        }
        let names = (
            spec.states[f as usize],
            spec.events[e as usize],
            spec.states[t as usize],
        );
        for r in [s, u] {
            if names != (r.from().name(), r.event().name(), r.to().name()) {
                return Err(format!("tcp typed: hand record {h:?} vs statewright {r}"));
            }
        }
        if s.at().is_none() || u.at().is_some() {
            return Err(format!("tcp typed: timestamps of {s} and (untimed) {u}"));
        }
    }
    if log.len() as u64 != want || mem.len() as u64 != want || untimed.len() as u64 != want {
        return Err("tcp typed: record counts differ".into());
    }
    Ok(())
}
