//! The journal under `kill -9` and under failing storage, through the machine APIs.
//!
//! 1. Crashes: a child process (this test binary, running `child_drives_orders_through_a_journal`
//!    with [`CHILD_JOURNAL`] set) drives many orders through a journal file and prints
//!    `durable <instance> <sequence> <state>` for every record that is durable by its policy's
//!    contract. The parent kills it with SIGKILL at a random moment, reopens the journal, checks
//!    that every reported record is there and that each instance's history replays to its
//!    state, and starts the child again on the same file, which resumes the instances and
//!    continues. `STATEWRIGHT_CRASH_KILLS=2000` runs more kills, `STATEWRIGHT_CRASH_SEED=n`
//!    another sequence of delays and events.
//! 2. Faults: storage that fails after N bytes, or with `ENOSPC`: the typed API hands the
//!    machine back in its previous state, the dynamic API hands the event back, and the journal
//!    reopens with exactly the records of the transitions that happened.

#![cfg(feature = "journal")]

#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod example;
#[path = "support/temp_dir.rs"]
mod temp_dir;

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use example::{Order, order};
use statewright::journal::{
    Durability, Journal, JournalError, JournalRecorder, MemoryStorage, Storage,
};
use statewright::{Cause, Dynamic, Record, StateMachine, TypedMachine};
use temp_dir::TempDir;

/// The journal file the child writes; set only in the child.
const CHILD_JOURNAL: &str = "STATEWRIGHT_CRASH_CHILD_JOURNAL";
/// The child's durability policy: `flush`, `sync` or `group`.
const CHILD_POLICY: &str = "STATEWRIGHT_CRASH_CHILD_POLICY";
/// The seed of the child's events.
const CHILD_SEED: &str = "STATEWRIGHT_CRASH_CHILD_SEED";
/// The name of the child test, as `--exact` wants it.
const CHILD_TEST: &str = "child_drives_orders_through_a_journal";

/// Orders a driver keeps in flight at once.
const IN_FLIGHT: usize = 24;
/// Under group commit, the child calls `Journal::sync` every this many records, and reports
/// the records since the previous sync as durable only then.
const SYNC_EVERY: usize = 12;

/// xorshift64*: small, seeded, good enough to pick events and delays.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Policy {
    Flush,
    Sync,
    Group,
}

impl Policy {
    const ALL: [Policy; 3] = [Policy::Flush, Policy::Sync, Policy::Group];

    fn name(self) -> &'static str {
        match self {
            Policy::Flush => "flush",
            Policy::Sync => "sync",
            Policy::Group => "group",
        }
    }

    fn parse(name: &str) -> Policy {
        Policy::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .unwrap_or_else(|| panic!("unknown policy `{name}`"))
    }

    fn durability(self) -> Durability {
        match self {
            Policy::Flush => Durability::Flush,
            Policy::Sync => Durability::Sync,
            Policy::Group => Durability::GroupCommit {
                records: 8,
                interval: Duration::from_millis(2),
            },
        }
    }
}

/// The instance id of order number `n`.
fn instance(n: u64) -> String {
    format!("o-{n}")
}

/// The number in an instance id.
fn number(id: &str) -> u64 {
    id.strip_prefix("o-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not an order id: `{id}`"))
}

/// A state value for order `n` in the state named `name` (records carry no state data: the
/// data is rebuilt from the order number), or `None` for the terminal states.
fn state_of(name: &str, n: u64) -> Option<Order> {
    match name {
        "Pending" => Some(Order::Pending),
        "Paid" => Some(Order::Paid { amount_cents: n }),
        "Shipped" => Some(Order::Shipped {
            tracking: format!("T{n}"),
        }),
        "Declined" => Some(Order::Declined {
            reason: format!("R{n}"),
        }),
        "Delivered" | "Cancelled" => None,
        other => panic!("unknown state `{other}`"),
    }
}

/// A record that a driver wrote: `(instance, sequence, state after it)`.
type Written = (String, u64, &'static str);

/// Drives [`IN_FLIGHT`] orders at a time through a journal with random events (one in ten
/// illegal, which is recorded as rejected); finished orders are replaced by new ones.
struct Driver {
    journal: Journal,
    rng: Rng,
    next: u64,
    orders: Vec<(u64, Dynamic<Order, JournalRecorder>)>,
}

impl Driver {
    /// Resumes every unfinished order of `journal`, and starts new ones up to [`IN_FLIGHT`].
    fn new(journal: Journal, seed: u64) -> Driver {
        let mut orders = Vec::new();
        let mut next = 0;
        for (id, state, sequence) in journal.instances() {
            let n = number(&id);
            next = next.max(n + 1);
            let Some(value) = state_of(state.name(), n) else {
                continue;
            };
            let history = journal.history(&id).expect("history");
            assert_eq!(history.len() as u64, sequence, "{id}");
            let order = Dynamic::resume(value, &history, journal.recorder(id.clone()))
                .unwrap_or_else(|e| panic!("resume {id}: {e}"));
            assert_eq!(order.sequence(), sequence, "{id}");
            orders.push((n, order));
        }
        let mut driver = Driver {
            journal,
            rng: Rng::new(seed),
            next,
            orders,
        };
        while driver.orders.len() < IN_FLIGHT {
            driver.start_one();
        }
        driver
    }

    fn start_one(&mut self) {
        let n = self.next;
        self.next += 1;
        let order = Dynamic::start_with(Order::Pending, self.journal.recorder(instance(n)))
            .expect("Pending is initial");
        self.orders.push((n, order));
    }

    /// Applies one random event to one random order; returns the record written (applied or
    /// rejected).
    fn step(&mut self) -> Written {
        let index = self.rng.below(self.orders.len() as u64) as usize;
        let roll = self.rng.below(100);
        let (n, order) = &mut self.orders[index];
        let n = *n;
        let event = match (order.state(), roll) {
            // Illegal: recorded as rejected.
            (Order::Pending, 0..10) => order::Event::Deliver,
            (Order::Paid { .. } | Order::Shipped { .. }, 0..10) => {
                order::Event::Pay(order::Paid { amount_cents: n }.into())
            }
            (Order::Pending, 10..75) => order::Event::Pay(order::Paid { amount_cents: n }.into()),
            (Order::Pending, 75..85) => order::Event::Pay(
                order::Declined {
                    reason: format!("R{n}"),
                }
                .into(),
            ),
            (Order::Pending, _) => order::Event::Cancel,
            (Order::Declined { .. }, 0..50) => order::Event::Retry,
            (Order::Declined { .. }, _) => order::Event::Cancel,
            (Order::Paid { .. }, 10..85) => order::Event::Ship {
                tracking: format!("T{n}"),
            },
            (Order::Paid { .. }, _) => order::Event::Cancel,
            (Order::Shipped { .. }, _) => order::Event::Deliver,
            (Order::Delivered | Order::Cancelled, _) => unreachable!("finished orders are removed"),
        };
        let before = order.sequence();
        let written = match order.apply(event) {
            Ok(record) => {
                assert_eq!(record.sequence(), before + 1);
                assert_eq!(record.to(), order.state_info());
                (instance(n), record.sequence(), record.to().name())
            }
            Err(rejection) => {
                assert!(matches!(rejection.cause(), Cause::Illegal), "{rejection}");
                assert_eq!(order.sequence(), before + 1, "the rejection is recorded");
                (instance(n), order.sequence(), order.state_info().name())
            }
        };
        if order.state_info().is_terminal() {
            self.orders.swap_remove(index);
            self.start_one();
        }
        written
    }
}

/// The child: drives orders on the journal at `path` until it is killed, printing each record
/// that is durable by `policy`'s contract. Gives up after a minute (the parent is gone).
fn run_child(path: &Path, policy: Policy, seed: u64) {
    let journal = Journal::open(path, Order::DEFINITION, policy.durability())
        .unwrap_or_else(|e| panic!("child: open {}: {e}", path.display()));
    let mut driver = Driver::new(journal.clone(), seed);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut report = |written: &[Written]| {
        for (id, sequence, state) in written {
            writeln!(out, "durable {id} {sequence} {state}").expect("stdout");
            out.flush().expect("stdout");
        }
    };
    let mut unsynced = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let written = driver.step();
        match policy {
            Policy::Flush | Policy::Sync => report(&[written]),
            Policy::Group => {
                unsynced.push(written);
                if unsynced.len() == SYNC_EVERY {
                    journal.sync().expect("sync");
                    report(&unsynced);
                    unsynced.clear();
                }
            }
        }
    }
    panic!("child: not killed within a minute");
}

/// In the parent's run of the test binary this is an ordinary test: it drives orders through a
/// journal file, closes it, reopens it, checks every instance's state, sequence and history,
/// resumes them and drives on, and checks again. In a child (when [`CHILD_JOURNAL`] is set), it
/// is the process that [`kill_9_never_loses_a_durable_record`] kills.
#[test]
fn child_drives_orders_through_a_journal() {
    if let Some(path) = std::env::var_os(CHILD_JOURNAL) {
        let policy = Policy::parse(&std::env::var(CHILD_POLICY).expect(CHILD_POLICY));
        let seed = std::env::var(CHILD_SEED)
            .expect(CHILD_SEED)
            .parse()
            .expect("seed");
        run_child(Path::new(&path), policy, seed);
        return;
    }
    let dir = TempDir::new("drive");
    let path = dir.0.join("orders.journal");
    for policy in Policy::ALL {
        // What the driver did: each instance's records, as `(sequence, state)`.
        let mut expected: BTreeMap<String, Vec<(u64, &'static str)>> = BTreeMap::new();
        let _ = std::fs::remove_file(&path);
        for (round, steps) in [(0, 600), (1, 300)] {
            let journal = Journal::open(&path, Order::DEFINITION, policy.durability()).unwrap();
            assert_eq!(journal.recovery().created, round == 0);
            let mut driver = Driver::new(journal.clone(), 7 + round);
            let resumed = driver
                .orders
                .iter()
                .filter(|(_, o)| o.sequence() > 0)
                .count();
            if round == 1 {
                assert!(resumed > 0, "{policy:?}: some orders are resumed");
            }
            for _ in 0..steps {
                let (id, sequence, state) = driver.step();
                expected.entry(id).or_default().push((sequence, state));
            }
            journal.close().unwrap();
            assert!(matches!(journal.sync(), Err(JournalError::Closed)));
            // A closed journal refuses records: the transition does not happen.
            let (_, order) = &mut driver.orders[0];
            let (state, sequence) = (order.state().clone(), order.sequence());
            let rejection = order.apply(order::Event::Cancel).unwrap_err();
            assert!(matches!(
                rejection.cause(),
                Cause::Unrecorded(JournalError::Closed)
            ));
            assert_eq!((order.state(), order.sequence()), (&state, sequence));
            drop(driver);

            let journal = Journal::open(&path, Order::DEFINITION, policy.durability()).unwrap();
            let recovery = journal.recovery();
            let total: usize = expected.values().map(Vec::len).sum();
            assert_eq!(recovery.records, total as u64, "{policy:?}");
            assert_eq!(recovery.instances, expected.len(), "{policy:?}");
            assert_eq!(recovery.torn, None);
            for (id, records) in &expected {
                let history = journal.history(id).unwrap();
                let found: Vec<(u64, &str)> = history
                    .iter()
                    .map(|r| (r.sequence(), r.to().name()))
                    .collect();
                assert_eq!(&found, records, "{policy:?} {id}");
                let &(last, state) = records.last().unwrap();
                assert_eq!(journal.sequence(id), last);
                assert_eq!(journal.state(id).unwrap().name(), state);
                let replayed = Order::DEFINITION.replay(&history).unwrap();
                assert_eq!(
                    (replayed.sequence(), replayed.state().name()),
                    (last, state)
                );
            }
        }
    }
}

/// One policy's journal file across kills, and what the parent verified in it so far.
struct Crashed {
    policy: Policy,
    path: PathBuf,
    /// The file as of the last verification: it may only grow.
    verified: Vec<u8>,
    /// Each instance's sequence and state, as of the last verification.
    known: BTreeMap<String, (u64, &'static str)>,
    kills: u64,
    torn: u64,
    /// Records the child reported durable and the parent found.
    reported: u64,
}

/// What one run of the child printed before it was killed.
struct Run {
    lines: Vec<String>,
    stderr: String,
}

/// Starts the child on `crashed`'s journal, waits for its first durable record, kills it
/// `delay` later, and returns what it printed.
fn run_and_kill(crashed: &Crashed, seed: u64, delay: Duration) -> Run {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_JOURNAL, &crashed.path)
        .env(CHILD_POLICY, crashed.policy.name())
        .env(CHILD_SEED, seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (first, started) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut lines = Vec::new();
        let mut line = String::new();
        // A line cut by the kill (no newline) is not a report.
        while stdout.read_line(&mut line).unwrap_or(0) > 0 && line.ends_with('\n') {
            if line.starts_with("durable ") {
                if lines.is_empty() {
                    let _ = first.send(());
                }
                lines.push(line.trim_end().to_owned());
            }
            line.clear();
        }
        lines
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let printed = started.recv_timeout(Duration::from_secs(60)).is_ok();
    if printed {
        std::thread::sleep(delay);
    }
    child.kill().expect("kill the child");
    let status = child.wait().expect("wait for the child");
    let run = Run {
        lines: reader.join().unwrap(),
        stderr: errors.join().unwrap(),
    };
    assert!(
        printed,
        "the child reported nothing within a minute; stderr:\n{}",
        run.stderr
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "the child ended before it was killed ({status}); stderr:\n{}",
            run.stderr
        );
    }
    #[cfg(not(unix))]
    let _ = status;
    run
}

/// Reopens `crashed`'s journal after a kill and checks it against what the child reported.
fn verify(crashed: &mut Crashed, run: &Run) {
    let policy = crashed.policy;
    let journal = Journal::open(&crashed.path, Order::DEFINITION, Durability::Flush)
        .unwrap_or_else(|e| {
            panic!(
                "{policy:?}, kill #{}: recovery failed: {e}\nchild stderr:\n{}",
                crashed.kills, run.stderr
            )
        });
    let recovery = journal.recovery().clone();
    assert!(!recovery.created);
    let bytes = std::fs::read(&crashed.path).unwrap();
    // What was verified before is still there, byte for byte; only a tail can be torn.
    assert!(
        bytes.starts_with(&crashed.verified),
        "{policy:?}: the verified part of the journal changed"
    );
    if let Some((offset, removed)) = recovery.torn {
        assert!(offset >= crashed.verified.len() as u64);
        assert_eq!(offset, bytes.len() as u64, "the torn tail is cut off");
        println!(
            "{policy:?}, kill #{}: a torn tail of {removed} bytes at byte {offset} was cut off",
            crashed.kills
        );
        crashed.torn += 1;
    }

    // Every record reported durable is in the journal, at its sequence, with its state.
    let mut reported: BTreeMap<&str, Vec<(u64, &str)>> = BTreeMap::new();
    for line in &run.lines {
        let mut words = line.split(' ').skip(1);
        let (Some(id), Some(sequence), Some(state), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            panic!("bad report `{line}`");
        };
        let sequence: u64 = sequence.parse().expect("sequence");
        reported.entry(id).or_default().push((sequence, state));
    }
    let instances = journal.instances();
    assert_eq!(instances.len(), recovery.instances);
    let mut changed: Vec<&str> = reported.keys().copied().collect();
    for (id, _, sequence) in &instances {
        match crashed.known.get(id) {
            Some(&(known, _)) if known == *sequence => {}
            Some(&(known, _)) => {
                assert!(*sequence > known, "{policy:?} {id}: #{sequence} < #{known}");
                changed.push(id);
            }
            None => changed.push(id),
        }
    }
    for (id, (sequence, state)) in &crashed.known {
        let now = journal.sequence(id);
        assert!(
            now >= *sequence,
            "{policy:?} {id} lost records: #{now} < #{sequence}"
        );
        if now == *sequence {
            assert_eq!(journal.state(id).unwrap().name(), *state, "{policy:?} {id}");
        }
    }
    changed.sort_unstable();
    changed.dedup();
    for id in changed {
        let history = journal.history(id).unwrap();
        let state = journal
            .state(id)
            .unwrap_or_else(|| panic!("{policy:?}: reported instance {id} is not in the journal"));
        assert_eq!(
            history.len() as u64,
            journal.sequence(id),
            "{policy:?} {id}"
        );
        let replayed = Order::DEFINITION
            .replay(&history)
            .unwrap_or_else(|e| panic!("{policy:?} {id}: {e}"));
        assert_eq!(replayed.state(), state, "{policy:?} {id}");
        assert_eq!(replayed.sequence(), journal.sequence(id), "{policy:?} {id}");
        for &(sequence, to) in reported.get(id).map_or(&[][..], Vec::as_slice) {
            let record: &Record = history.get(sequence as usize - 1).unwrap_or_else(|| {
                panic!(
                    "{policy:?} {id}: #{sequence} was reported durable, the journal ends at #{}",
                    history.len()
                )
            });
            assert_eq!(record.sequence(), sequence, "{policy:?} {id}");
            assert_eq!(record.to().name(), to, "{policy:?} {id} #{sequence}");
            crashed.reported += 1;
        }
    }
    crashed.known = instances
        .into_iter()
        .map(|(id, state, sequence)| (id, (sequence, state.name())))
        .collect();
    crashed.verified = bytes;
    crashed.kills += 1;
}

/// After all kills: every instance of the journal replays to its state.
fn verify_all(crashed: &Crashed) -> u64 {
    let journal = Journal::open(&crashed.path, Order::DEFINITION, Durability::Flush).unwrap();
    assert_eq!(journal.recovery().torn, None);
    let mut records = 0;
    for (id, state, sequence) in journal.instances() {
        let history = journal.history(&id).unwrap();
        let replayed = Order::DEFINITION.replay(&history).unwrap();
        assert_eq!(
            (replayed.state(), replayed.sequence()),
            (state, sequence),
            "{id}"
        );
        assert_eq!(crashed.known[&id], (sequence, state.name()));
        records += sequence;
    }
    assert_eq!(records, journal.recovery().records);
    records
}

#[test]
fn kill_9_never_loses_a_durable_record() {
    let kills: u64 = std::env::var("STATEWRIGHT_CRASH_KILLS")
        .map_or(210, |k| k.parse().expect("STATEWRIGHT_CRASH_KILLS"));
    let seed: u64 = std::env::var("STATEWRIGHT_CRASH_SEED")
        .map_or(0x5eed, |s| s.parse().expect("STATEWRIGHT_CRASH_SEED"));
    // A journal file grows across kills until it is this large, then a new one starts
    // (recovery reads the whole file, and debug builds read slowly).
    let file_bytes: usize = std::env::var("STATEWRIGHT_CRASH_FILE_BYTES").map_or(1 << 20, |k| {
        k.parse().expect("STATEWRIGHT_CRASH_FILE_BYTES")
    });
    let dir = TempDir::new("crash");
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let mut totals: BTreeMap<Policy, (u64, u64, u64, u64, usize)> = BTreeMap::new();
    let new_file = |policy: Policy, generation: u64| Crashed {
        policy,
        path: dir
            .0
            .join(format!("{}-{generation}.journal", policy.name())),
        verified: Vec::new(),
        known: BTreeMap::new(),
        kills: 0,
        torn: 0,
        reported: 0,
    };
    let mut files: Vec<Crashed> = Policy::ALL.iter().map(|&p| new_file(p, 0)).collect();
    let mut finish = |crashed: &Crashed| {
        let records = verify_all(crashed);
        let total = totals.entry(crashed.policy).or_default();
        total.0 += crashed.kills;
        total.1 += crashed.torn;
        total.2 += crashed.reported;
        total.3 += records;
        total.4 += 1;
        let _ = std::fs::remove_file(&crashed.path);
    };
    for kill in 0..kills {
        let crashed = &mut files[(kill % 3) as usize];
        // Up to 30 ms after the first report, in microseconds.
        let delay = Duration::from_micros(rng.below(30_001));
        let run = run_and_kill(crashed, rng.next(), delay);
        verify(crashed, &run);
        if crashed.verified.len() >= file_bytes {
            finish(crashed);
            let generation = kill / 3 + 1;
            *crashed = new_file(crashed.policy, generation);
        }
    }
    for crashed in files.iter().filter(|c| c.kills > 0) {
        finish(crashed);
    }
    println!(
        "{kills} kills in {:.1} s (seed {seed})",
        started.elapsed().as_secs_f64()
    );
    println!(
        "| policy | kills | torn tails | reported records verified | records in journals | files |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (policy, (kills, torn, reported, records, files)) in &totals {
        println!("| {policy:?} | {kills} | {torn} | {reported} | {records} | {files} |");
        assert!(*reported > 0, "{policy:?}: nothing was verified");
    }
    assert_eq!(totals.values().map(|t| t.0).sum::<u64>(), kills);
}

// ----- Faults: storage that fails after N bytes, or with a full disk -----

/// Storage that stores `room` more bytes, then fails: the append that does not fit stores the
/// part that fits and returns `EIO`, and every later append fails too.
#[derive(Clone)]
struct FailAfter {
    inner: MemoryStorage,
    room: Arc<AtomicUsize>,
}

impl FailAfter {
    fn new(room: usize) -> Self {
        FailAfter {
            inner: MemoryStorage::new(),
            room: Arc::new(AtomicUsize::new(room)),
        }
    }
}

impl Storage for FailAfter {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        self.inner.read_all()
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.inner.read_at(offset, len)
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let room = self.room.load(Ordering::SeqCst);
        if bytes.len() > room {
            self.inner.append(&bytes[..room])?;
            self.room.store(0, Ordering::SeqCst);
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        self.room.store(room - bytes.len(), Ordering::SeqCst);
        self.inner.append(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.inner.truncate(len)
    }
}

/// Storage on a disk that fills up when told: while `full`, an append stores half of its bytes
/// (what fit) and returns `ENOSPC`.
#[derive(Clone, Default)]
struct DiskFull {
    inner: MemoryStorage,
    full: Arc<AtomicBool>,
}

impl DiskFull {
    fn set_full(&self, full: bool) {
        self.full.store(full, Ordering::SeqCst);
    }
}

impl Storage for DiskFull {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        self.inner.read_all()
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.inner.read_at(offset, len)
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.full.load(Ordering::SeqCst) {
            self.inner.append(&bytes[..bytes.len() / 2])?;
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        self.inner.append(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.inner.truncate(len)
    }
}

/// The OS error code of an append that failed.
fn append_errno(error: &JournalError) -> Option<i32> {
    match error {
        JournalError::Io {
            during: "append",
            error,
        } => error.raw_os_error(),
        _ => None,
    }
}

/// Each instance's history in `bytes`, reopened, as `#seq from --event--> to` lines.
fn reopened(bytes: Vec<u8>) -> (Journal, BTreeMap<String, Vec<String>>) {
    let journal = Journal::with_storage(
        MemoryStorage::from_bytes(bytes),
        Order::DEFINITION,
        Durability::Flush,
    )
    .expect("the journal reopens cleanly");
    assert_eq!(journal.recovery().torn, None, "no partial line was left");
    let histories = journal
        .instances()
        .into_iter()
        .map(|(id, state, sequence)| {
            let history = journal.history(&id).unwrap();
            let replayed = Order::DEFINITION.replay(&history).unwrap();
            assert_eq!((replayed.state(), replayed.sequence()), (state, sequence));
            (id, history.iter().map(ToString::to_string).collect())
        })
        .collect();
    (journal, histories)
}

#[test]
fn a_full_disk_refuses_typed_transitions_and_keeps_the_previous_state() {
    let storage = DiskFull::default();
    let journal =
        Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Sync).unwrap();
    let m = order::start_with(journal.recorder("typed"));

    storage.set_full(true);
    let refused = m.pay(order::Paid { amount_cents: 7 }).unwrap_err();
    assert_eq!(
        append_errno(refused.error()),
        Some(28),
        "{}",
        refused.error()
    );
    let m = refused.into_machine();
    let _: &order::Pending = m.state();
    assert_eq!((m.state_info().name(), m.sequence()), ("Pending", 0));

    storage.set_full(false);
    let m = match m
        .pay(order::Paid { amount_cents: 7 })
        .map_err(|r| r.into_parts().1)
        .unwrap()
    {
        order::PaidOrDeclined::Paid(m) => m,
        order::PaidOrDeclined::Declined(_) => unreachable!("paid with an amount"),
    };
    assert_eq!((m.amount_cents, m.sequence()), (7, 1));

    storage.set_full(true);
    let refused = m
        .ship(order::Shipped {
            tracking: "T7".into(),
        })
        .unwrap_err();
    assert_eq!(append_errno(refused.error()), Some(28));
    let m = refused.into_machine();
    assert_eq!(m.state(), &order::Paid { amount_cents: 7 });
    assert_eq!(m.sequence(), 1);
    // The target is not built when the record is refused.
    let m = m
        .ship_with(|_| panic!("built only after the record is written"))
        .unwrap_err()
        .into_machine();
    // Nor can a machine in another state go on.
    let refused = m.cancel().unwrap_err();
    let m = refused.into_machine();
    assert_eq!((m.state_info().name(), m.sequence()), ("Paid", 1));

    storage.set_full(false);
    let m = m
        .ship_with(|paid| order::Shipped {
            tracking: format!("T{}", paid.amount_cents),
        })
        .map_err(|r| r.into_parts().1)
        .unwrap();
    storage.set_full(true);
    let m = m.deliver().unwrap_err().into_machine();
    assert_eq!(
        m.state(),
        &order::Shipped {
            tracking: "T7".into()
        }
    );
    assert_eq!(m.sequence(), 2);
    storage.set_full(false);
    let m = m.deliver().map_err(|r| r.into_parts().1).unwrap();
    assert_eq!((m.state_info().name(), m.sequence()), ("Delivered", 3));
    assert_eq!(journal.sequence("typed"), 3);
    drop((m, journal));

    let (journal, histories) = reopened(storage.inner.bytes());
    assert_eq!(journal.recovery().records, 3);
    assert_eq!(
        histories["typed"],
        [
            "#1 Pending --pay--> Paid",
            "#2 Paid --ship--> Shipped",
            "#3 Shipped --deliver--> Delivered"
        ]
    );
}

#[test]
fn a_full_disk_refuses_dynamic_events_and_hands_them_back() {
    let storage = DiskFull::default();
    let journal =
        Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Flush).unwrap();
    let mut d = Dynamic::start_with(Order::Pending, journal.recorder("dynamic")).unwrap();
    d.apply(order::Event::Pay(order::Paid { amount_cents: 9 }.into()))
        .unwrap();

    storage.set_full(true);
    let before = storage.inner.bytes();
    let rejection = d
        .apply(order::Event::Ship {
            tracking: "T9".into(),
        })
        .unwrap_err();
    assert!(!rejection.is_illegal());
    let Cause::Unrecorded(error) = rejection.cause() else {
        panic!("{rejection}");
    };
    assert_eq!(append_errno(error), Some(28), "{error}");
    assert_eq!(
        rejection.to_string(),
        "`Order` did not apply `ship` in state `Paid`: its record could not be written: journal append failed: No space left on device (os error 28)"
    );
    assert_eq!(
        rejection.into_event(),
        order::Event::Ship {
            tracking: "T9".into()
        }
    );
    assert_eq!(d.state(), &Order::Paid { amount_cents: 9 });
    assert_eq!(d.sequence(), 1);
    assert_eq!(
        storage.inner.bytes(),
        before,
        "the partial line was cut off"
    );

    // An illegal event whose rejection cannot be recorded.
    let rejection = d.apply(order::Event::Deliver).unwrap_err();
    assert!(rejection.is_illegal());
    assert!(
        matches!(rejection.cause(), Cause::IllegalUnrecorded(e) if append_errno(e) == Some(28))
    );
    assert_eq!(
        (d.state(), d.sequence()),
        (&Order::Paid { amount_cents: 9 }, 1)
    );

    // Space again: the same event goes through, and a rejection is recorded.
    storage.set_full(false);
    d.apply(order::Event::Ship {
        tracking: "T9".into(),
    })
    .unwrap();
    let rejection = d.apply(order::Event::Cancel).unwrap_err();
    assert!(matches!(rejection.cause(), Cause::Illegal), "{rejection}");
    assert_eq!(d.sequence(), 3);
    drop((d, journal));

    let (journal, histories) = reopened(storage.inner.bytes());
    assert_eq!(journal.recovery().records, 3);
    assert_eq!(journal.state("dynamic").unwrap().name(), "Shipped");
    assert_eq!(
        histories["dynamic"],
        [
            "#1 Pending --pay--> Paid",
            "#2 Paid --ship--> Shipped",
            "#3 Shipped --cancel--x rejected"
        ]
    );
}

/// Walks a typed order to `Delivered` until a record is refused; returns the records written.
fn typed_walk(journal: &Journal, id: &str) -> Vec<String> {
    fn refused<M: TypedMachine>(m: M, state: &str, sequence: u64) {
        assert_eq!((m.state_info().name(), m.sequence()), (state, sequence));
    }
    let mut written = Vec::new();
    let m = order::start_with(journal.recorder(id));
    let m = match m.pay(order::Paid { amount_cents: 3 }) {
        Ok(order::PaidOrDeclined::Paid(m)) => m,
        Ok(order::PaidOrDeclined::Declined(_)) => unreachable!("paid with an amount"),
        Err(r) => {
            refused(r.into_machine(), "Pending", 0);
            return written;
        }
    };
    written.push("#1 Pending --pay--> Paid".to_owned());
    let m = match m.ship(order::Shipped {
        tracking: "T3".into(),
    }) {
        Ok(m) => m,
        Err(r) => {
            let m = r.into_machine();
            assert_eq!(m.state(), &order::Paid { amount_cents: 3 });
            refused(m, "Paid", 1);
            return written;
        }
    };
    written.push("#2 Paid --ship--> Shipped".to_owned());
    match m.deliver() {
        Ok(m) => assert_eq!(m.sequence(), 3),
        Err(r) => {
            let m = r.into_machine();
            assert_eq!(
                m.state(),
                &order::Shipped {
                    tracking: "T3".into()
                }
            );
            refused(m, "Shipped", 2);
            return written;
        }
    }
    written.push("#3 Shipped --deliver--> Delivered".to_owned());
    written
}

#[test]
fn a_storage_failing_after_any_number_of_bytes_keeps_exactly_the_applied_records() {
    // Events for two dynamic orders, with an illegal one, around a typed walk.
    let script: Vec<(&str, order::Event)> = vec![
        (
            "a",
            order::Event::Pay(order::Paid { amount_cents: 1 }.into()),
        ),
        ("b", order::Event::Cancel),
        (
            "a",
            order::Event::Pay(order::Paid { amount_cents: 2 }.into()),
        ),
        (
            "a",
            order::Event::Ship {
                tracking: "Ta".into(),
            },
        ),
        ("b", order::Event::Deliver),
        ("typed", order::Event::Cancel), // stands for the typed walk
        ("a", order::Event::Deliver),
    ];
    let header = {
        let storage = MemoryStorage::new();
        drop(Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Flush).unwrap());
        storage.bytes().len()
    };
    let mut full_run = 0;
    for room in 0.. {
        let storage = FailAfter::new(room);
        let journal =
            match Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Sync) {
                Ok(journal) => journal,
                Err(error) => {
                    assert!(room < header, "{room}: {error}");
                    assert_eq!(append_errno(&error), Some(5), "{error}");
                    // The partial header was cut off: the next open starts over.
                    assert_eq!(storage.inner.bytes(), b"");
                    continue;
                }
            };
        assert!(room >= header);
        let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut machines: BTreeMap<&str, Dynamic<Order, JournalRecorder>> = BTreeMap::new();
        let mut failed = 0;
        for (id, event) in script.iter().cloned() {
            if id == "typed" {
                let written = typed_walk(&journal, id);
                failed += usize::from(written.len() < 3);
                if !written.is_empty() {
                    expected.insert(id.to_owned(), written);
                }
                continue;
            }
            let d = machines.entry(id).or_insert_with(|| {
                Dynamic::start_with(Order::Pending, journal.recorder(id)).unwrap()
            });
            let (state, sequence) = (d.state().clone(), d.sequence());
            match d.apply(event.clone()) {
                Ok(record) => expected
                    .entry(id.to_owned())
                    .or_default()
                    .push(record.to_string()),
                Err(rejection) => match rejection.cause() {
                    Cause::Illegal => expected.entry(id.to_owned()).or_default().push(format!(
                        "#{} {} --{}--x rejected",
                        d.sequence(),
                        state.state_info().name(),
                        rejection.event_name()
                    )),
                    Cause::Unrecorded(e) | Cause::IllegalUnrecorded(e) => {
                        assert_eq!(append_errno(e), Some(5), "{e}");
                        assert_eq!((d.state(), d.sequence()), (&state, sequence));
                        assert_eq!(rejection.into_event(), event);
                        failed += 1;
                    }
                    other => panic!("{other:?}"),
                },
            }
        }
        drop((machines, journal));
        let (journal, histories) = reopened(storage.inner.bytes());
        assert_eq!(histories, expected, "room for {room} bytes");
        let records: usize = expected.values().map(Vec::len).sum();
        assert_eq!(journal.recovery().records, records as u64);
        if failed == 0 {
            full_run = room;
            assert_eq!(records, 9);
            break;
        }
    }
    assert!(
        full_run > header + 1000,
        "every byte position was tried: {full_run}"
    );
}
