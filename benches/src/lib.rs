//! Runtime benchmarks of statewright against a hand-written `match`, a hand-written `match` that
//! records every attempt, and the peer crates (rust-fsm, smlang, statig, finny, statum).
//!
//! Everything here is plain code driven by `src/main.rs` (the benchmark binary), by
//! `benches/runtime.rs` (`cargo bench -p statewright-benches`) and by `tests/equivalence.rs`
//! (the correctness checks on short streams). Nothing is a timed test. See BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

pub mod generated;
pub mod sizes;
pub mod typed;

pub use generated::{complex, hier, order, tcp};

/// A hand-written record: (sequence, from, event, to).
pub type HandRecord = (u64, u32, u32, u32);
/// A hand-written record with the wall-clock time in nanoseconds since the epoch.
pub type HandRecordTime = (u64, u32, u32, u32, u64);
/// Set in the event of a hand-written record of a rejected attempt.
pub const REJECTED: u32 = 1 << 31;
/// Capacity of the `Ring` recorder in the `Ring` rows.
pub const RING: usize = 1024;

/// The wall-clock time, as statewright's records take it (`SystemTime::now`).
#[inline]
pub fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// A machine as data: the reference the implementations are checked against.
#[derive(Debug)]
pub struct Spec {
    /// Its name.
    pub name: &'static str,
    /// State names, by index.
    pub states: &'static [&'static str],
    /// Event names, by index.
    pub events: &'static [&'static str],
    /// The initial state's index.
    pub initial: u8,
    /// (from, event, to) by index.
    pub transitions: &'static [(u8, u8, u8)],
}

impl Spec {
    /// Where `event` leads from `state`.
    pub fn target(&self, state: u8, event: u8) -> Option<u8> {
        self.transitions
            .iter()
            .find(|&&(f, e, _)| f == state && e == event)
            .map(|&(_, _, t)| t)
    }

    /// Whether `state` has no transitions.
    pub fn is_terminal(&self, state: u8) -> bool {
        !self.transitions.iter().any(|&(f, _, _)| f == state)
    }

    fn leaving(&self, state: u8) -> Vec<u8> {
        self.transitions
            .iter()
            .filter(|&&(f, _, _)| f == state)
            .map(|&(_, e, _)| e)
            .collect()
    }
}

/// SplitMix64: a fixed-seed pseudo-random generator, no dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

/// The seed of every stream.
pub const SEED: u64 = 0x05EE_D0F5_7A7E;

/// A stream of events for one machine, and the state the reference is in after each.
#[derive(Debug, Clone)]
pub struct Stream {
    /// `None`: start a fresh machine (the previous one reached a terminal state).
    pub items: Vec<Option<u8>>,
    /// The reference state after each item.
    pub states: Vec<u8>,
    /// How many events are illegal where they arrive.
    pub illegal: usize,
    /// How many fresh machines are started (besides the first).
    pub fresh: usize,
}

/// `len` items: three in four are an event allowed in the current state, one in four is any
/// event (often illegal there); once the machine is in a terminal state, a fresh one is started
/// half of the time (when `fresh_on_terminal`).
pub fn stream(spec: &Spec, len: usize, seed: u64, fresh_on_terminal: bool) -> Stream {
    let mut rng = SplitMix64(seed);
    let mut state = spec.initial;
    let (mut items, mut states) = (Vec::with_capacity(len), Vec::with_capacity(len));
    let (mut illegal, mut fresh) = (0, 0);
    let leaving: Vec<Vec<u8>> = (0..spec.states.len() as u8)
        .map(|s| spec.leaving(s))
        .collect();
    while items.len() < len {
        if fresh_on_terminal && spec.is_terminal(state) && rng.below(2) == 0 {
            state = spec.initial;
            fresh += 1;
            items.push(None);
            states.push(state);
            continue;
        }
        let allowed = &leaving[state as usize];
        let event = if !allowed.is_empty() && rng.below(4) != 0 {
            allowed[rng.below(allowed.len())]
        } else {
            rng.below(spec.events.len()) as u8
        };
        match spec.target(state, event) {
            Some(to) => state = to,
            None => illegal += 1,
        }
        items.push(Some(event));
        states.push(state);
    }
    Stream {
        items,
        states,
        illegal,
        fresh,
    }
}

/// One implementation of a machine's dynamic dispatch, driven by event codes.
pub trait Dyn: Sized {
    /// Its own event type.
    type Event: Clone;
    /// The event with index `code` (converted before timing).
    fn event(code: u8) -> Self::Event;
    /// A machine in the initial state; `capacity` is the number of records the round writes,
    /// for implementations that preallocate, and `previous` the machine of the previous round,
    /// whose record buffer they reuse (emptied), so that its pages are already mapped.
    fn start(capacity: usize, previous: Option<Self>) -> Self;
    /// A fresh machine in the initial state, replacing this one (keeping its record buffer
    /// where the implementation has one to hand over).
    fn restart(&mut self);
    /// Applies `event`; whether it was accepted (statig cannot tell, and says true).
    fn apply(&mut self, event: Self::Event) -> bool;
    /// The index of the current state.
    fn state(&self) -> u8;
}

/// Which implementation a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Hand-written enum + `match`.
    Baseline,
    /// Hand-written `match` + record push into a preallocated `Vec`.
    HandRecord,
    /// Same plus `SystemTime::now()` in each record.
    HandRecordTime,
    /// statewright `Dynamic`, default `Memory`.
    SwMemory,
    /// statewright `Dynamic`, `Memory::with_capacity`.
    SwPrealloc,
    /// statewright `Dynamic`, `Untimed(Memory::with_capacity)`: no wall-clock time.
    SwUntimed,
    /// statewright `Dynamic`, `Awaited(Ready(Untimed(Memory::with_capacity)))`, each `apply`
    /// future polled to completion.
    SwAwaited,
    /// statewright `Dynamic`, `Untimed(Memory::with_capacity)`, a context and hooks that do
    /// nothing.
    SwHooks,
    /// statewright `Dynamic`, `Ring`.
    SwRing,
    /// rust-fsm.
    RustFsm,
    /// smlang.
    Smlang,
    /// statig.
    Statig,
    /// finny.
    Finny,
    /// statewright `Dynamic`, `Untimed(Memory::with_capacity)`, the 200-state machine flattened
    /// by hand (the `hier` table's reference).
    FlatUntimed,
    /// The same, the machine declared with composite states.
    HierUntimed,
    /// statewright `Dynamic`, `Memory::with_capacity`, the machine flattened by hand.
    FlatPrealloc,
    /// The same, the machine declared with composite states.
    HierPrealloc,
    /// Hand-written enum + `match`, in a table whose reference is another row.
    HandMatch,
}

impl Kind {
    /// The row's label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Baseline => "hand match (baseline)",
            Kind::HandRecord => "hand match + record (prealloc Vec)",
            Kind::HandRecordTime => "hand match + record + SystemTime::now",
            Kind::SwMemory => "statewright dynamic, Memory (default)",
            Kind::SwPrealloc => "statewright dynamic, Memory::with_capacity",
            Kind::SwUntimed => "statewright dynamic, Untimed(Memory::with_capacity)",
            Kind::SwAwaited => "statewright dynamic awaited, Awaited(Ready(Untimed(..)))",
            Kind::SwHooks => "statewright dynamic, Untimed + context + no-op hooks",
            Kind::SwRing => "statewright dynamic, Ring(1024)",
            Kind::RustFsm => "rust-fsm =0.8.0",
            Kind::Smlang => "smlang =0.8.0",
            Kind::Statig => "statig =0.4.1",
            Kind::Finny => "finny =0.3.0",
            Kind::FlatUntimed => "statewright flattened by hand, Untimed(Memory::with_capacity)",
            Kind::HierUntimed => "statewright hierarchical, Untimed(Memory::with_capacity)",
            Kind::FlatPrealloc => "statewright flattened by hand, Memory::with_capacity",
            Kind::HierPrealloc => "statewright hierarchical, Memory::with_capacity",
            Kind::HandMatch => "hand match",
        }
    }

    /// Whether it records every attempt.
    pub fn records(self) -> bool {
        matches!(
            self,
            Kind::HandRecord
                | Kind::HandRecordTime
                | Kind::SwMemory
                | Kind::SwPrealloc
                | Kind::SwUntimed
                | Kind::SwAwaited
                | Kind::SwHooks
                | Kind::SwRing
                | Kind::FlatUntimed
                | Kind::HierUntimed
                | Kind::FlatPrealloc
                | Kind::HierPrealloc
        )
    }

    /// Whether it is a peer crate.
    pub fn is_peer(self) -> bool {
        matches!(
            self,
            Kind::RustFsm | Kind::Smlang | Kind::Statig | Kind::Finny
        )
    }
}

/// A benchmarked implementation with its converted stream, behind a trait object so that one
/// list holds them all; the timed loop inside is monomorphic.
pub trait Bench {
    /// Which implementation.
    fn kind(&self) -> Kind;
    /// Checks, item by item, that it is in the reference's state.
    fn check(&self, stream: &Stream) -> Result<(), String>;
    /// Runs the whole stream once on a new machine, timed (the machine is built before the
    /// timed region, and kept for the next round to reuse its record buffer).
    fn time(&self) -> Duration;
}

struct Driver<M: Dyn> {
    kind: Kind,
    items: Vec<Option<M::Event>>,
    previous: std::cell::RefCell<Option<M>>,
}

/// A driver for `M` over `stream`.
pub fn driver<M: Dyn + 'static>(kind: Kind, stream: &Stream) -> Box<dyn Bench> {
    let items = stream.items.iter().map(|i| i.map(M::event)).collect();
    Box::new(Driver::<M> {
        kind,
        items,
        previous: std::cell::RefCell::new(None),
    })
}

/// Polls `future` once with a waker that does nothing and returns its output: for the awaited
/// rows, whose futures complete in their first poll.
///
/// # Panics
///
/// If the future is pending, which the rows' recorders never are.
#[inline(always)]
pub fn poll_ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("an awaited row's future was pending"),
    }
}

#[inline(never)]
fn run<M: Dyn>(machine: &mut M, items: &[Option<M::Event>]) -> u64 {
    let mut accepted = 0;
    for item in items {
        match item {
            Some(event) => accepted += u64::from(machine.apply(black_box(event.clone()))),
            None => machine.restart(),
        }
    }
    accepted
}

impl<M: Dyn> Bench for Driver<M> {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn check(&self, stream: &Stream) -> Result<(), String> {
        let mut m = M::start(self.items.len(), None);
        for (i, (item, &want)) in self.items.iter().zip(&stream.states).enumerate() {
            match item {
                Some(event) => {
                    m.apply(event.clone());
                }
                None => m.restart(),
            }
            let got = m.state();
            if got != want {
                return Err(format!(
                    "{}: after item {i} ({:?}) the state is {got}, the reference's is {want}",
                    self.kind.label(),
                    stream.items[i]
                ));
            }
        }
        Ok(())
    }

    fn time(&self) -> Duration {
        let previous = self.previous.borrow_mut().take();
        let mut m = black_box(M::start(self.items.len(), previous));
        let start = Instant::now();
        let accepted = run(&mut m, black_box(&self.items));
        let elapsed = start.elapsed();
        black_box((accepted, &m));
        *self.previous.borrow_mut() = Some(m);
        elapsed
    }
}

/// The finny frontend `FsmFactory::new` builds.
pub type FinnyFrontend<F> = finny::FsmFrontend<
    F,
    finny::FsmEventQueueVec<F>,
    finny::inspect::null::InspectNull,
    finny::timers::std::TimersStd<F>,
>;

/// One row of a result table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Label.
    pub label: String,
    /// Whether it records every attempt.
    pub records: bool,
    /// Whether it is a peer crate.
    pub peer: bool,
    /// Median ns per stream item over the rounds.
    pub ns: f64,
    /// `ns` / the table's baseline `ns`.
    pub ratio: f64,
}

/// One result table.
#[derive(Debug, Clone)]
pub struct Table {
    /// Key (`order`, `tcp`, `complex`, `hier`, `order-typed`, `tcp-typed`).
    pub key: String,
    /// Title.
    pub title: String,
    /// Number of items per round.
    pub items: usize,
    /// Label of the row the ratios are relative to.
    pub baseline: String,
    /// Rows.
    pub rows: Vec<Row>,
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Items per stream.
    pub events: usize,
    /// Timed rounds (each implementation runs once per round, round-robin).
    pub rounds: usize,
    /// Which tables (empty: all).
    pub only: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            events: 1_000_000,
            rounds: 7,
            only: Vec::new(),
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Times `benches` round-robin for `rounds` rounds (the first implementation of each round
/// rotates), after one untimed warm-up run each; returns median ns per item.
pub fn rounds(
    names: &[String],
    runs: &[&dyn Fn() -> Duration],
    items: usize,
    rounds: usize,
) -> Vec<f64> {
    assert_eq!(names.len(), runs.len());
    for run in runs {
        black_box(run());
    }
    let mut samples = vec![Vec::with_capacity(rounds); runs.len()];
    for round in 0..rounds {
        for k in 0..runs.len() {
            let i = (k + round) % runs.len();
            samples[i].push(runs[i]().as_nanos() as f64 / items as f64);
        }
    }
    samples.into_iter().map(median).collect()
}

fn dynamic_table(
    key: &str,
    spec: &Spec,
    fresh: bool,
    drivers: fn(&Stream) -> Vec<Box<dyn Bench>>,
    opts: &Options,
) -> Result<Table, String> {
    let stream = stream(spec, opts.events, SEED, fresh);
    let benches = drivers(&stream);
    for b in &benches {
        b.check(&stream)?;
    }
    let names: Vec<String> = benches
        .iter()
        .map(|b| b.kind().label().to_owned())
        .collect();
    let closures: Vec<Box<dyn Fn() -> Duration + '_>> = benches
        .iter()
        .map(|b| Box::new(move || b.time()) as Box<dyn Fn() -> Duration>)
        .collect();
    let runs: Vec<&dyn Fn() -> Duration> = closures.iter().map(|c| &**c).collect();
    let ns = rounds(&names, &runs, stream.items.len(), opts.rounds);
    let base = ns[0];
    let rows = benches
        .iter()
        .zip(&ns)
        .map(|(b, &ns)| Row {
            label: b.kind().label().to_owned(),
            records: b.kind().records(),
            peer: b.kind().is_peer(),
            ns,
            ratio: ns / base,
        })
        .collect();
    Ok(Table {
        key: key.to_owned(),
        title: format!(
            "{} machine, dynamic dispatch: {} items ({} illegal events, {} fresh machines), {} rounds",
            spec.name,
            stream.items.len(),
            stream.illegal,
            stream.fresh,
            opts.rounds
        ),
        items: stream.items.len(),
        baseline: names[0].clone(),
        rows,
    })
}

/// Runs the selected tables: every implementation is first checked against the reference on
/// the whole stream, then timed.
pub fn run_tables(opts: &Options) -> Result<Vec<Table>, String> {
    let wanted = |k: &str| opts.only.is_empty() || opts.only.iter().any(|o| o == k);
    let mut tables = Vec::new();
    if wanted("order") {
        tables.push(dynamic_table(
            "order",
            &order::SPEC,
            order::FRESH_PER_RUN,
            order::drivers,
            opts,
        )?);
    }
    if wanted("tcp") {
        tables.push(dynamic_table(
            "tcp",
            &tcp::SPEC,
            tcp::FRESH_PER_RUN,
            tcp::drivers,
            opts,
        )?);
    }
    if wanted("complex") {
        tables.push(dynamic_table(
            "complex",
            &complex::SPEC,
            complex::FRESH_PER_RUN,
            complex::drivers,
            opts,
        )?);
    }
    if wanted("hier") {
        // Same transitions, or the comparison means nothing.
        hier::check_definitions()?;
        let mut table = dynamic_table(
            "hier",
            &hier::SPEC,
            hier::FRESH_PER_RUN,
            hier::drivers,
            opts,
        )?;
        table.title = format!(
            "{}; hierarchical declaration against the same machine flattened by hand",
            table.title
        );
        tables.push(table);
    }
    if wanted("order-typed") {
        tables.push(typed::order_table(opts)?);
    }
    if wanted("tcp-typed") {
        tables.push(typed::tcp_table(opts)?);
    }
    Ok(tables)
}

/// The tables as text.
pub fn render(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        out += &format!("\n{}\nratio = ns / ns of `{}`\n", t.title, t.baseline);
        out += &format!(
            "| {:<46} | {:>7} | {:>8} | {:>7} |\n",
            "implementation", "records", "ns/item", "ratio"
        );
        out += &format!("|{:-<48}|{:->9}|{:->10}|{:->9}|\n", "", ":", ":", ":");
        for r in &t.rows {
            out += &format!(
                "| {:<46} | {:>7} | {:>8.2} | {:>7.2} |\n",
                r.label,
                if r.records { "yes" } else { "no" },
                r.ns,
                r.ratio
            );
        }
    }
    out
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o += "\\\"",
            '\\' => o += "\\\\",
            c => o.push(c),
        }
    }
    o + "\""
}

/// The tables as JSON (for benches/run.py), without a serde dependency.
pub fn to_json(tables: &[Table]) -> String {
    let tables: Vec<String> = tables
        .iter()
        .map(|t| {
            let rows: Vec<String> = t
                .rows
                .iter()
                .map(|r| {
                    format!(
                        "{{\"label\":{},\"records\":{},\"peer\":{},\"ns\":{},\"ratio\":{}}}",
                        json_str(&r.label),
                        r.records,
                        r.peer,
                        r.ns,
                        r.ratio
                    )
                })
                .collect();
            format!(
                "{{\"key\":{},\"title\":{},\"items\":{},\"baseline\":{},\"rows\":[{}]}}",
                json_str(&t.key),
                json_str(&t.title),
                t.items,
                json_str(&t.baseline),
                rows.join(",")
            )
        })
        .collect();
    format!("[{}]", tables.join(","))
}

/// Parses `--events N --rounds N --only a,b --json --sizes` (unknown arguments, such as the
/// `--bench` cargo passes, are ignored) and runs.
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> Result<(), String> {
    let mut opts = Options::default();
    let (mut json, mut sizes_only) = (false, false);
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--events" => {
                opts.events = value("--events")?
                    .parse()
                    .map_err(|e| format!("--events: {e}"))?
            }
            "--rounds" => {
                opts.rounds = value("--rounds")?
                    .parse()
                    .map_err(|e| format!("--rounds: {e}"))?
            }
            "--only" => opts.only = value("--only")?.split(',').map(str::to_owned).collect(),
            "--json" => json = true,
            "--sizes" => sizes_only = true,
            _ => {}
        }
    }
    if sizes_only {
        print!(
            "{}",
            if json {
                sizes::to_json()
            } else {
                sizes::render()
            }
        );
        return Ok(());
    }
    let tables = run_tables(&opts)?;
    if json {
        println!("{}", to_json(&tables));
    } else {
        print!("{}", render(&tables));
    }
    Ok(())
}
