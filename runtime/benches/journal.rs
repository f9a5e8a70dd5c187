//! Journal throughput per durability policy, against the physical limit of the disk:
//! `cargo bench -p statewright-runtime --features journal --bench journal`.
//!
//! Each round appends the same prebuilt records (orders walking `Pending -> Paid -> Shipped ->
//! Delivered`, one `JournalRecorder` per order) to a new journal file in the temp dir, and,
//! as the baseline, writes the very same lines with plain `File::write_all` and the same sync
//! calls (`sync_data` after each line for `Sync`; after every 64th line or 10 ms for group
//! commit; none for `Flush`). Rounds of the two alternate; the table shows medians.
//!
//! `STATEWRIGHT_BENCH_ROUNDS` (default 7) sets the number of rounds, `STATEWRIGHT_BENCH_SCALE`
//! (default 1) multiplies the records per round.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use statewright::journal::{Durability, Journal, JournalRecorder};
use statewright::{Outcome, Record, Recorder, StateMachine, state_machine};

/// The order machine of the README.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid { amount_cents: u64 },
    #[on(deliver -> Delivered)]
    Shipped { tracking: String },
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

const GROUP_RECORDS: u32 = 64;
const GROUP_INTERVAL: Duration = Duration::from_millis(10);

/// The walk of each order.
const WALK: [(&str, &str, &str); 3] = [
    ("Pending", "pay", "Paid"),
    ("Paid", "ship", "Shipped"),
    ("Shipped", "deliver", "Delivered"),
];

struct Policy {
    name: &'static str,
    durability: Durability,
    /// Records per round.
    records: usize,
}

/// A fresh file path for one round.
fn fresh(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Appends `records` records through journal recorders; returns the elapsed time and the
/// record lines the journal wrote (the header excluded).
fn journal_round(path: &Path, policy: &Policy) -> (Duration, Vec<Vec<u8>>) {
    let journal = Journal::open(path, Order::DEFINITION, policy.durability).unwrap();
    let orders = policy.records.div_ceil(WALK.len());
    let records: Vec<Record> = WALK
        .iter()
        .enumerate()
        .map(|(i, (from, event, to))| {
            Record::from_names(
                Order::DEFINITION,
                i as u64 + 1,
                from,
                event,
                to,
                Outcome::Applied,
                None,
            )
            .unwrap()
        })
        .collect();
    let mut recorders: Vec<JournalRecorder> = (0..orders)
        .map(|n| journal.recorder(format!("order-{n:07}")))
        .collect();
    let started = Instant::now();
    let mut written = 0;
    'outer: for recorder in &mut recorders {
        for record in &records {
            if written == policy.records {
                break 'outer;
            }
            recorder.record(record).unwrap();
            written += 1;
        }
    }
    if matches!(policy.durability, Durability::GroupCommit { .. }) {
        journal.sync().unwrap();
    }
    let elapsed = started.elapsed();
    drop((recorders, journal));
    let bytes = std::fs::read(path).unwrap();
    let lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|&b| b == b'\n')
        .skip(1)
        .map(<[u8]>::to_vec)
        .collect();
    assert_eq!(lines.len(), policy.records);
    (elapsed, lines)
}

/// Writes `lines` with `write_all` and the sync calls `policy` makes; returns the elapsed time.
fn baseline_round(path: &Path, policy: &Policy, header: &[u8], lines: &[Vec<u8>]) -> Duration {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    file.write_all(header).unwrap();
    file.sync_data().unwrap();
    let mut unsynced = 0;
    let mut last_sync = Instant::now();
    let started = Instant::now();
    for line in lines {
        file.write_all(line).unwrap();
        unsynced += 1;
        let due = match policy.durability {
            Durability::Flush => false,
            Durability::Sync => true,
            Durability::GroupCommit { records, interval } => {
                unsynced >= records || last_sync.elapsed() >= interval
            }
        };
        if due {
            file.sync_data().unwrap();
            unsynced = 0;
            last_sync = Instant::now();
        }
    }
    if matches!(policy.durability, Durability::GroupCommit { .. }) {
        file.sync_data().unwrap();
    }
    started.elapsed()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |v| v.parse().expect(name))
}

fn main() {
    let rounds = env("STATEWRIGHT_BENCH_ROUNDS", 7);
    let scale = env("STATEWRIGHT_BENCH_SCALE", 1);
    let dir =
        std::env::temp_dir().join(format!("statewright-bench-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policies = [
        Policy {
            name: "Flush",
            durability: Durability::Flush,
            records: 100_000 * scale,
        },
        Policy {
            name: "Sync",
            durability: Durability::Sync,
            records: 2_000 * scale,
        },
        Policy {
            name: "GroupCommit{64, 10ms}",
            durability: Durability::GroupCommit {
                records: GROUP_RECORDS,
                interval: GROUP_INTERVAL,
            },
            records: 30_000 * scale,
        },
    ];
    // The header the journal writes, for the baseline file.
    let header = {
        let path = fresh(&dir, "header.journal");
        drop(Journal::open(&path, Order::DEFINITION, Durability::Flush).unwrap());
        std::fs::read(&path).unwrap()
    };
    let mut rows = Vec::new();
    for policy in &policies {
        let mut journal = Vec::new();
        let mut baseline = Vec::new();
        // A warm-up round, whose lines the first baseline round writes.
        let (_, mut lines) = journal_round(&fresh(&dir, "journal.journal"), policy);
        let rate = |elapsed: Duration| policy.records as f64 / elapsed.as_secs_f64();
        for round in 0..rounds {
            // The order alternates; the baseline writes the lines of the latest journal round.
            let run_journal = |lines: &mut Vec<Vec<u8>>| {
                let (elapsed, written) = journal_round(&fresh(&dir, "journal.journal"), policy);
                *lines = written;
                rate(elapsed)
            };
            let run_baseline = |lines: &[Vec<u8>]| {
                rate(baseline_round(
                    &fresh(&dir, "baseline.journal"),
                    policy,
                    &header,
                    lines,
                ))
            };
            let (journal_rate, baseline_rate) = if round % 2 == 0 {
                let j = run_journal(&mut lines);
                (j, run_baseline(&lines))
            } else {
                let b = run_baseline(&lines);
                (run_journal(&mut lines), b)
            };
            journal.push(journal_rate);
            baseline.push(baseline_rate);
            eprintln!(
                "{:<22} round {round}: journal {journal_rate:>10.0} records/s, baseline {baseline_rate:>10.0} records/s",
                policy.name
            );
        }
        let line_bytes = lines.iter().map(Vec::len).sum::<usize>() / lines.len();
        let ratios: Vec<f64> = journal.iter().zip(&baseline).map(|(j, b)| j / b).collect();
        rows.push((
            policy,
            median(journal),
            median(baseline),
            median(ratios),
            line_bytes,
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "\njournal appends through `JournalRecorder::record` vs `write_all` + the same syncs, {rounds} rounds, medians, in {}",
        dir.parent().unwrap_or(&dir).display()
    );
    println!();
    println!(
        "| durability | records/round | journal records/s | baseline records/s | journal / baseline | bytes/record |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (policy, journal, baseline, ratio, bytes) in rows {
        println!(
            "| {} | {} | {journal:.0} | {baseline:.0} | {ratio:.2} | {bytes} |",
            policy.name, policy.records
        );
    }
}
