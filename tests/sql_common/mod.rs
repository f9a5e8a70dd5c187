//! What the SQLite and PostgreSQL tests share: the machines, and the checks that both
//! backends must pass, written once over `Journal<B>`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};

use statewright::sql::{Backend, Journal, SqlError};
use statewright::{Cause, Dynamic, StateMachine, TypedMachine, state_machine};

/// A job that can be run, paused, continued and halted forever: long races stay busy with
/// legal and illegal events alike.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    #[initial]
    #[on(run -> Running)]
    Idle,
    #[on(pause -> Paused, halt -> Idle)]
    Running,
    #[on(proceed -> Running, halt -> Idle)]
    Paused,
}

/// The value of a stored `Job` state (no state carries data).
pub fn job_state(state: statewright::StateInfo) -> Job {
    match state.name() {
        "Running" => Job::Running,
        "Paused" => Job::Paused,
        _ => Job::Idle,
    }
}

/// The same job with another transition: another fingerprint.
pub mod changed {
    use statewright::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Job {
        #[initial]
        #[on(run -> Running)]
        Idle,
        #[on(pause -> Paused, halt -> Idle, restart -> Running)]
        Running,
        #[on(proceed -> Running, halt -> Idle)]
        Paused,
    }
}

/// A gate whose guard may decline: a rejection of an allowed event is then a legal record.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    #[initial]
    #[on(open -> Open?)]
    Shut,
    #[on(shut -> Shut)]
    Open,
}

/// An order whose states carry data, for snapshots.
#[state_machine]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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

/// SplitMix64: a reproducible stream of numbers per thread.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

fn random_event(rng: &mut Rng) -> job::Event {
    match rng.below(4) {
        0 => job::Event::Run,
        1 => job::Event::Pause,
        2 => job::Event::Proceed,
        _ => job::Event::Halt,
    }
}

/// What one racing thread saw.
#[derive(Default)]
struct Tally {
    /// (instance, sequence) of each record this thread wrote.
    won: Vec<(String, u64)>,
    /// (instance, attempted sequence) of each conflict it was told about.
    lost: Vec<(String, u64)>,
}

/// `threads` threads, each with its own journal (its own connection), apply `per_thread`
/// random events to `instances` shared instances: each load the instance, apply once, no
/// retry. Afterwards every instance's records are a legal gap-free path (verified by the
/// journal and by `Definition::replay`), no (instance, sequence) was written twice, every
/// record was written by exactly one thread that was told so, and the conflicts reported
/// equal the lost races (attempts minus rows).
pub fn race<B: Backend>(
    open: impl Fn() -> Journal<B> + Sync,
    threads: usize,
    per_thread: usize,
    instances: usize,
) -> (usize, usize) {
    let barrier = Arc::new(Barrier::new(threads));
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = Arc::clone(&barrier);
                let open = &open;
                scope.spawn(move || {
                    let journal = open();
                    let mut rng = Rng::new(t as u64 + 1);
                    let mut tally = Tally::default();
                    barrier.wait();
                    for _ in 0..per_thread {
                        let instance = format!("job-{}", rng.below(instances as u64));
                        let mut machine = journal
                            .resume(&instance, job_state)
                            .unwrap_or_else(|e| panic!("thread {t}: load {instance}: {e}"));
                        let attempted = machine.sequence() + 1;
                        match machine.apply(random_event(&mut rng)) {
                            Ok(record) => tally.won.push((instance, record.sequence())),
                            Err(rejection) => match rejection.cause() {
                                Cause::Illegal => tally.won.push((instance, attempted)),
                                Cause::Unrecorded(SqlError::Conflict(c))
                                | Cause::IllegalUnrecorded(SqlError::Conflict(c)) => {
                                    assert_eq!(c.attempted, attempted);
                                    let (_, current) = c.current.expect("a conflict has a winner");
                                    assert!(current >= attempted, "{c}");
                                    tally.lost.push((instance, attempted));
                                }
                                other => panic!("thread {t}: unexpected {other:?}"),
                            },
                        }
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let journal = open();
    let mut rows = 0;
    let mut stored = BTreeSet::new();
    for i in 0..instances {
        let instance = format!("job-{i}");
        let history = journal.history(&instance).unwrap();
        Job::DEFINITION.replay(&history).unwrap();
        for r in &history {
            stored.insert((instance.clone(), r.sequence()));
        }
        rows += history.len();
    }
    let mut won = BTreeMap::new();
    let (mut attempts, mut conflicts) = (0, 0);
    for tally in &tallies {
        attempts += tally.won.len() + tally.lost.len();
        conflicts += tally.lost.len();
        for w in &tally.won {
            *won.entry(w.clone()).or_insert(0) += 1;
        }
    }
    assert!(won.values().all(|&n| n == 1), "a record was written twice");
    assert_eq!(
        won.keys().cloned().collect::<BTreeSet<_>>(),
        stored,
        "the records are exactly the ones the threads were told they wrote"
    );
    for tally in &tallies {
        for lost in &tally.lost {
            assert!(
                stored.contains(lost),
                "a conflict on {lost:?}, which nobody wrote"
            );
        }
    }
    assert_eq!(rows, won.len());
    assert_eq!(
        conflicts,
        attempts - rows,
        "conflicts reported == lost races"
    );
    (rows, conflicts)
}

/// The items of a listing, all of which must have read.
pub fn all_ok<T>(items: Vec<Result<T, SqlError>>) -> Vec<T> {
    items
        .into_iter()
        .map(|item| item.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The checks every backend must pass, on a fresh, migrated database: `open` gives a journal
/// of a definition, `exec` runs SQL on another connection.
pub fn behaves<B: Backend>(
    open: impl Fn(&'static statewright::Definition) -> Result<Journal<B>, SqlError>,
    exec: impl Fn(&str),
) {
    let journal = open(Job::DEFINITION).unwrap();

    // A typed machine and a dynamic one write one journal; states and histories read back.
    let running = job::start_with(journal.recorder("a")).run().unwrap();
    assert_eq!(running.sequence(), 1);
    let mut b = Dynamic::start_with(Job::Idle, journal.recorder("b")).unwrap();
    b.apply(job::Event::Run).unwrap();
    b.apply(job::Event::Pause).unwrap();
    let illegal = b.apply(job::Event::Pause).unwrap_err();
    assert!(matches!(illegal.cause(), Cause::Illegal));
    assert_eq!(b.sequence(), 3);
    let (state, sequence) = journal.state("b").unwrap().unwrap();
    assert_eq!((state.name(), sequence), ("Paused", 3));
    assert!(journal.state("nobody").unwrap().is_none());
    assert_eq!(all_ok(journal.instances_in("Running").unwrap()), ["a"]);
    assert_eq!(all_ok(journal.instances_in("Paused").unwrap()), ["b"]);
    assert!(matches!(
        journal.instances_in("Runing"),
        Err(SqlError::UnknownState { .. })
    ));
    let all: Vec<_> = all_ok(journal.instances().unwrap())
        .into_iter()
        .map(|(id, s, n)| (id, s.name(), n))
        .collect();
    assert_eq!(all, [("a".into(), "Running", 1), ("b".into(), "Paused", 3)]);
    let lines: Vec<String> = journal
        .history("b")
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "#1 Idle --run--> Running",
            "#2 Running --pause--> Paused",
            "#3 Paused --pause--x rejected",
        ]
    );
    let entries = journal.entries("b").unwrap();
    assert!(entries.iter().all(|e| e.record.at().is_some()));
    assert!(
        entries.iter().all(|e| e.in_state.is_some()),
        "one writer saw every state"
    );

    // A second machine for an instance conflicts, learns the current state, and stays.
    let second = job::start_with(journal.recorder("a"));
    let refused = second.run().unwrap_err();
    let conflict = refused.error().conflict().expect("a conflict");
    assert_eq!(
        (conflict.attempted, conflict.from, conflict.current),
        (1, "Idle", Some(("Running", 1)))
    );
    assert!(refused.to_string().contains("load it again and retry"));
    let second = refused.into_machine();
    assert_eq!((second.state_info().name(), second.sequence()), ("Idle", 0));
    assert_eq!(journal.history("a").unwrap().len(), 1);

    // Resume, and `apply` with retries, continue where the journal is.
    let mut a = journal.resume("a", job_state).unwrap();
    a.apply(job::Event::Halt).unwrap();
    let applied = journal.apply("a", job::Event::Run, 3, job_state).unwrap();
    assert_eq!((applied.record.sequence(), applied.conflicts), (3, 0));
    // The stale machine `a` is behind now: its next append conflicts.
    let stale = a.apply(job::Event::Run).unwrap_err();
    assert!(matches!(
        stale.cause(),
        Cause::Unrecorded(SqlError::Conflict(_))
    ));
    assert_eq!(a.state(), &Job::Idle);
    // A resume with a state value the records do not lead to is refused.
    let wrong = journal.resume("a", |_| Job::Paused).unwrap_err();
    assert!(matches!(wrong, SqlError::Resume { .. }), "{wrong}");

    // A different definition of the machine is refused, with what changed.
    let mismatch = open(changed::Job::DEFINITION).unwrap_err();
    let SqlError::DefinitionMismatch { changes, .. } = &mismatch else {
        panic!("{mismatch}");
    };
    assert!(changes.iter().any(|c| c.contains("restart")), "{changes:?}");
    assert_eq!(
        mismatch.to_string(),
        format!(
            "the database holds records of `Job` written by a different definition (fingerprint \
             {}, now {}); changes since: + Running --restart--> Running",
            Job::DEFINITION.fingerprint(),
            changed::Job::DEFINITION.fingerprint()
        )
    );

    // Rows changed by hand: an illegal step, an unknown state. Errors, not panics.
    exec(
        "UPDATE statewright_records SET to_state = 'Paused' WHERE instance = 'a' AND sequence = 1",
    );
    let corrupt = journal.history("a").unwrap_err();
    let SqlError::Corrupt { sequence, .. } = &corrupt else {
        panic!("{corrupt}");
    };
    assert_eq!(*sequence, Some(1));
    assert!(corrupt.to_string().contains("record #1"), "{corrupt}");
    assert!(journal.resume("a", job_state).is_err());
    exec("UPDATE statewright_records SET to_state = 'Gone' WHERE instance = 'b' AND sequence = 3");
    let unknown = journal.state("b").unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("corrupt at record #3: unknown state `Gone`"),
        "{unknown}"
    );
    assert!(journal.history("b").is_err());
    // Both instances have a row changed by hand: each is an error of its own.
    let all = journal.instances().unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("instance `a`")
    );
    assert!(
        all[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("unknown state `Gone`"),
        "{:?}",
        all[1]
    );
    exec(
        "UPDATE statewright_records SET to_state = 'Idle', outcome = 'rejected' WHERE instance = 'b' AND sequence = 1",
    );
    exec(
        "UPDATE statewright_records SET to_state = 'Paused' WHERE instance = 'b' AND sequence = 3",
    );
    let rejected_allowed = journal.history("b").unwrap_err();
    assert!(
        rejected_allowed
            .to_string()
            .contains("`run` is allowed in `Idle`, so it cannot have been rejected there"),
        "{rejected_allowed}"
    );

    snapshots(&open(Order::DEFINITION).unwrap(), &exec);
    declined_guards(&open(Gate::DEFINITION).unwrap());
    idempotent(&open(Job::DEFINITION).unwrap(), &exec);
}

/// Event ids go into the `event_id` column; the window is rebuilt from it; the database
/// refuses an id it already has for the instance even when the window forgot it.
fn idempotent<B: Backend>(journal: &Journal<B>, exec: &impl Fn(&str)) {
    use statewright::{Delivery, Idempotent, ManualClock, Timestamp, Window};
    use std::time::Duration;

    let clock = ManualClock::new(Timestamp::from_unix_nanos(1));
    let machine = Dynamic::start_with(Job::Idle, journal.recorder("i-1")).unwrap();
    let mut job = Idempotent::new(machine, Window::new(10), clock.clone());
    assert!(matches!(
        job.apply("m-1", job::Event::Run),
        Delivery::Applied(_)
    ));
    assert!(matches!(
        job.apply("m-'2'", job::Event::Run),
        Delivery::Rejected(_)
    ));
    job.machine_mut().apply(job::Event::Pause).unwrap(); // no id: NULL
    assert!(job.apply("m-1", job::Event::Run).is_duplicate());
    assert_eq!(journal.history("i-1").unwrap().len(), 3);

    // A restart: the window comes back from the rows, newest ids kept.
    let window = journal
        .window("i-1", 10, Some(Duration::from_secs(60)))
        .unwrap();
    let ids: Vec<(&str, String)> = window
        .iter()
        .map(|(id, r)| (id, r.record().to_string()))
        .collect();
    assert_eq!(
        ids,
        [
            ("m-1", "#1 Idle --run--> Running".to_string()),
            ("m-'2'", "#2 Running --run--x rejected".to_string()),
        ]
    );
    assert_eq!(window.max_age(), Some(Duration::from_secs(60)));
    let small = journal.window("i-1", 1, None).unwrap();
    assert_eq!(
        small.iter().map(|(id, _)| id).collect::<Vec<_>>(),
        ["m-'2'"]
    );
    assert!(journal.window("nobody", 10, None).unwrap().is_empty());
    let machine = journal.resume("i-1", job_state).unwrap();
    let mut job = Idempotent::new(machine, window, clock.clone());
    assert!(job.apply("m-'2'", job::Event::Proceed).is_duplicate());

    // Beyond any window the unique index still refuses the id: nothing applied or written.
    let machine = journal.resume("i-1", job_state).unwrap();
    let mut job = Idempotent::new(machine, Window::new(0), clock);
    let Delivery::Rejected(rejection) = job.apply("m-1", job::Event::Proceed) else {
        panic!("the database knows m-1");
    };
    let Cause::Unrecorded(SqlError::DuplicateEvent {
        event_id, sequence, ..
    }) = rejection.cause()
    else {
        panic!("{rejection}");
    };
    assert_eq!((event_id.as_str(), *sequence), ("m-1", Some(1)));
    assert_eq!(job.machine().state(), &Job::Paused);
    assert_eq!(journal.history("i-1").unwrap().len(), 3);
    // A new id goes through.
    assert!(matches!(
        job.apply("m-3", job::Event::Proceed),
        Delivery::Applied(_)
    ));

    // A row changed by hand: an error, not a panic.
    exec(
        "UPDATE statewright_records SET to_state = 'Gone' WHERE instance = 'i-1' AND sequence = 1",
    );
    let corrupt = journal.window("i-1", 10, None).unwrap_err();
    assert!(
        matches!(
            corrupt,
            SqlError::Corrupt {
                sequence: Some(1),
                ..
            }
        ),
        "{corrupt}"
    );
}

/// A declined guard writes a rejection of an allowed event; the verified history accepts it
/// (it refuses such a record only for an event that cannot be declined).
fn declined_guards<B: Backend>(journal: &Journal<B>) {
    let mut gate = Dynamic::start_with(Gate::Shut, journal.recorder("g-1")).unwrap();
    let rejection = gate.apply(gate::Event::Open(None)).unwrap_err();
    assert!(matches!(rejection.cause(), Cause::Declined));
    gate.apply(gate::Event::Open(Some(gate::Open))).unwrap();
    let history: Vec<String> = journal
        .history("g-1")
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        history,
        ["#1 Shut --open--x rejected", "#2 Shut --open--> Open"]
    );
    let gate = journal
        .resume("g-1", |s| {
            if s.name() == "Open" {
                Gate::Open
            } else {
                Gate::Shut
            }
        })
        .unwrap();
    assert_eq!(gate.sequence(), 2);
}

/// Snapshots of data-carrying states: saved, loaded, checked against the records.
fn snapshots<B: Backend>(journal: &Journal<B>, exec: &impl Fn(&str)) {
    assert!(journal.load::<Order>("o-1").unwrap().is_none());
    let recorder = journal.recorder("o-1");
    assert_eq!(recorder.instance(), "o-1");
    let mut o = Dynamic::start_with(Order::Pending, recorder).unwrap();
    let paid = o.apply(order::Event::Pay { amount_cents: 250 }).unwrap();
    // The row holds the time of the append; the record handed back reads no clock.
    assert_eq!(paid.at(), None);
    // Records but no snapshot: no guessing of the amount.
    let none = journal.load::<Order>("o-1").unwrap_err();
    assert!(
        matches!(none, SqlError::NoSnapshot { snapshot: None, .. }),
        "{none}"
    );
    journal.save_snapshot(&o, "o-1").unwrap();
    // A rejection after the snapshot keeps the state and its data: supported.
    o.apply(order::Event::Deliver).unwrap_err();
    let loaded = journal.load::<Order>("o-1").unwrap().unwrap();
    assert_eq!(loaded.state(), &Order::Paid { amount_cents: 250 });
    assert_eq!(loaded.sequence(), 2);
    // A transition after the snapshot: its data cannot be justified.
    let mut loaded = loaded;
    loaded
        .apply(order::Event::Ship {
            tracking: "T-1".into(),
        })
        .unwrap();
    let behind = journal.load::<Order>("o-1").unwrap_err();
    assert!(
        matches!(
            behind,
            SqlError::NoSnapshot {
                snapshot: Some(1),
                sequence: 3,
                ..
            }
        ),
        "{behind}"
    );
    journal.save_snapshot(&loaded, "o-1").unwrap();
    let shipped = journal.load::<Order>("o-1").unwrap().unwrap();
    assert_eq!(
        shipped.state(),
        &Order::Shipped {
            tracking: "T-1".into()
        }
    );
    // The recorder knows where the instance is, so `Snapshot::restore` checks against it.
    let at_3 = statewright::Snapshot::of(&shipped, "o-1");
    assert_eq!(at_3.restore(journal.recorder("o-1")).unwrap().sequence(), 3);
    let at_2 = statewright::Snapshot::of(&o, "o-1");
    let stale = at_2.restore(journal.recorder("o-1")).unwrap_err();
    assert!(
        matches!(
            stale,
            statewright::SnapshotError::Stale {
                snapshot: 2,
                recorder: 3
            }
        ),
        "{stale}"
    );
    // Nor can a snapshot of one instance restore onto the recorder of another.
    let elsewhere = statewright::Snapshot::of(&shipped, "o-1")
        .restore(journal.recorder("o-7"))
        .unwrap_err();
    assert!(
        matches!(elsewhere, statewright::SnapshotError::WrongInstance { .. }),
        "{elsewhere}"
    );
    // A machine whose state the journal does not have at its sequence cannot save it.
    let mut o2 = Dynamic::start_with(Order::Pending, journal.recorder("o-2")).unwrap();
    o2.apply(order::Event::Cancel).unwrap();
    let wrong = journal.save_snapshot(&shipped, "o-2").unwrap_err();
    assert!(wrong.to_string().contains("no record #3"), "{wrong}");
    let wrong = journal.save_snapshot(&o2, "o-1").unwrap_err();
    assert!(
        wrong.to_string().contains("the journal has `Paid` there"),
        "{wrong}"
    );
    let mut other = journal
        .resume("o-1", |_| Order::Shipped {
            tracking: "T-1".into(),
        })
        .unwrap();
    other.apply(order::Event::Deliver).unwrap();
    // A snapshot row that names another instance (at the right sequence) is refused.
    journal.save_snapshot(&other, "o-1").unwrap();
    exec(
        "UPDATE statewright_snapshots SET state = replace(state, '\"instance\":\"o-1\"', \
         '\"instance\":\"o-9\"') WHERE instance = 'o-1' AND sequence = 4",
    );
    let moved = journal.load::<Order>("o-1").unwrap_err();
    assert_eq!(
        moved.to_string(),
        "the journal of instance `o-1` is corrupt at record #4: its snapshot says it is \
         instance `o-9` at #4"
    );
    // Tampered snapshot JSON is an error, not a panic.
    exec(
        "UPDATE statewright_snapshots SET state = '{\"format\": 1' WHERE instance = 'o-1' AND sequence = 4",
    );
    let tampered = journal.load::<Order>("o-1").unwrap_err();
    assert!(matches!(tampered, SqlError::Corrupt { .. }), "{tampered}");
    assert!(tampered.to_string().contains("does not read"), "{tampered}");
}

/// The instance and event ids both backends accept and refuse, with whether they are accepted.
pub fn id_table() -> Vec<(String, bool)> {
    vec![
        ("o-17".into(), true),
        ("ünïcødé 🦀".into(), true),
        ("o'; DROP TABLE statewright_records; --".into(), true),
        ("i".repeat(1024), true),
        (String::new(), false),
        ("a\0b".into(), false),
        ("i".repeat(1025), false),
        ("x".repeat(1 << 20), false),
        ("tab\there".into(), false),
        ("line\nbreak".into(), false),
    ]
}

/// Both backends accept and refuse the same instance ids and event ids, before the database
/// sees them, with an error that names the rule.
pub fn ids<B: Backend>(journal: &Journal<B>) {
    use statewright::{Delivery, Idempotent, ManualClock, Timestamp, Window};

    for (id, accepted) in id_table() {
        let shown = &id[..id.len().min(40)];
        let mut machine = Dynamic::start_with(Job::Idle, journal.recorder(id.clone())).unwrap();
        let result = machine.apply(job::Event::Run);
        if accepted {
            result.unwrap_or_else(|r| panic!("{shown:?} was refused: {r}"));
            let (state, sequence) = journal.state(&id).unwrap().unwrap();
            assert_eq!((state.name(), sequence), ("Running", 1), "{shown:?}");
            assert_eq!(journal.history(&id).unwrap().len(), 1, "{shown:?}");
            continue;
        }
        let Err(rejection) = result else {
            panic!("the invalid instance id {shown:?} was accepted");
        };
        let Cause::Unrecorded(error) = rejection.cause() else {
            panic!("{shown:?}: {rejection}");
        };
        let message = error.to_string();
        assert!(
            message.starts_with("invalid instance id") && message.contains("1024 bytes"),
            "{shown:?}: {message}"
        );
        assert!(message.len() < 400, "the message stays short: {message}");
        assert_eq!(machine.sequence(), 0);
        let read = journal.state(&id).unwrap_err();
        assert!(
            read.to_string().starts_with("invalid instance id"),
            "{shown:?}: {read}"
        );
        assert!(journal.history(&id).is_err(), "{shown:?}");
    }

    // The same rules for event ids: an invalid one is refused and nothing is applied.
    let clock = ManualClock::new(Timestamp::from_unix_nanos(1));
    for (id, accepted) in id_table() {
        let shown = &id[..id.len().min(40)];
        // The longest instance id with each event id: the event id index holds both.
        let instance = format!("{:e<1024}", format!("events-{}-", id.len()));
        let machine = Dynamic::start_with(Job::Idle, journal.recorder(instance.as_str())).unwrap();
        let mut job = Idempotent::new(machine, Window::new(10), clock.clone());
        match job.apply(&id, job::Event::Run) {
            Delivery::Applied(_) if accepted => {}
            Delivery::Rejected(rejection) if !accepted => {
                let Cause::Unrecorded(error) = rejection.cause() else {
                    panic!("{shown:?}: {rejection}");
                };
                assert!(
                    error.to_string().starts_with("invalid event id"),
                    "{shown:?}: {error}"
                );
                assert_eq!(job.machine().state(), &Job::Idle);
            }
            Delivery::Applied(_) => panic!("the invalid event id {shown:?} was accepted"),
            Delivery::Rejected(rejection) => panic!("{shown:?} was refused: {rejection}"),
            _ => panic!("{shown:?}: a duplicate"),
        }
    }
}

/// `state` and `instances_in` never report a state the verified history would not reach: a
/// hand-edited illegal last row is an error of its instance only.
pub fn hand_edited_heads<B: Backend>(journal: &Journal<B>, exec: &impl Fn(&str)) {
    job::start_with(journal.recorder("g-1")).run().unwrap();
    job::start_with(journal.recorder("g-2"))
        .run()
        .unwrap()
        .pause()
        .unwrap();
    job::start_with(journal.recorder("h-1")).run().unwrap();
    // `run` leads to `Running`, never to `Paused`: an illegal last row.
    exec(
        "UPDATE statewright_records SET to_state = 'Paused' WHERE instance = 'h-1' AND sequence = 1",
    );
    assert!(journal.history("h-1").is_err());
    let state = journal.state("h-1");
    assert!(
        state.is_err(),
        "state() reported {:?} from an illegal row",
        state.map(|s| s.map(|(s, n)| (s.name(), n)))
    );
    // Listed as an error of its own, never as in `Paused`; the good instance is listed.
    let paused = journal.instances_in("Paused").unwrap();
    assert_eq!(paused.len(), 2, "{paused:?}");
    assert_eq!(paused[0].as_ref().unwrap(), "g-2");
    let error = paused[1].as_ref().unwrap_err();
    assert!(
        matches!(error, SqlError::Corrupt { instance, sequence: Some(1), .. } if instance == "h-1"),
        "{error}"
    );
    assert!(
        journal.instances_in("Running").unwrap()[0]
            .as_ref()
            .is_ok_and(|id| id == "g-1")
    );

    // A row inserted by hand under an id the rules refuse: an error of its own.
    exec(
        "INSERT INTO statewright_records (machine, instance, sequence, from_state, event, \
         to_state, outcome) VALUES ('Job', '', 1, 'Idle', 'run', 'Running', 'applied')",
    );
    let all = journal.instances().unwrap();
    let shown: Vec<_> = all
        .iter()
        .map(|item| match item {
            Ok((id, state, sequence)) => format!("{id} {} #{sequence}", state.name()),
            Err(error) => error.to_string(),
        })
        .collect();
    assert_eq!(shown.len(), 4, "{shown:?}");
    assert!(
        shown[0].starts_with("invalid instance id \"\": it is empty"),
        "{shown:?}"
    );
    assert_eq!(shown[1..3], ["g-1 Running #1", "g-2 Paused #2"]);
    assert!(
        shown[3].contains("instance `h-1` is corrupt at record #1"),
        "{shown:?}"
    );
}
