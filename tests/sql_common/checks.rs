/// The checks every backend must pass, on a fresh, migrated database: `open` gives a journal
/// of a definition, `exec` runs SQL on another connection.
pub async fn behaves<B: Bk>(open: &Opener<'_, B>, exec: &Exec<'_>) {
    let journal = aw!(open(Job::DEFINITION)).unwrap();

    // A typed machine and a dynamic one write one journal; states and histories read back.
    let running = aw!(job::start_with(rec!(journal.recorder("a"))).run()).unwrap();
    assert_eq!(running.sequence(), 1);
    let mut b = Dynamic::start_with(Job::Idle, rec!(journal.recorder("b"))).unwrap();
    aw!(b.apply(job::Event::Run)).unwrap();
    aw!(b.apply(job::Event::Pause)).unwrap();
    let illegal = aw!(b.apply(job::Event::Pause)).unwrap_err();
    assert!(matches!(illegal.cause(), Cause::Illegal));
    assert_eq!(b.sequence(), 3);
    let (state, sequence) = aw!(journal.state("b")).unwrap().unwrap();
    assert_eq!((state.name(), sequence), ("Paused", 3));
    assert!(aw!(journal.state("nobody")).unwrap().is_none());
    assert_eq!(all_ok(aw!(journal.instances_in("Running")).unwrap()), ["a"]);
    assert_eq!(all_ok(aw!(journal.instances_in("Paused")).unwrap()), ["b"]);
    assert!(matches!(
        aw!(journal.instances_in("Runing")),
        Err(SqlError::UnknownState { .. })
    ));
    let all: Vec<_> = all_ok(aw!(journal.instances()).unwrap())
        .into_iter()
        .map(|(id, s, n)| (id, s.name(), n))
        .collect();
    assert_eq!(all, [("a".into(), "Running", 1), ("b".into(), "Paused", 3)]);
    let lines: Vec<String> = aw!(journal.history("b"))
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
    let entries = aw!(journal.entries("b")).unwrap();
    assert!(entries.iter().all(|e| e.record.at().is_some()));
    assert!(
        entries.iter().all(|e| e.in_state.is_some()),
        "one writer saw every state"
    );

    // A second machine for an instance conflicts, learns the current state, and stays.
    let second = job::start_with(rec!(journal.recorder("a")));
    let refused = aw!(second.run()).unwrap_err();
    let conflict = refused.error().conflict().expect("a conflict");
    assert_eq!(
        (conflict.attempted, conflict.from, conflict.current),
        (1, "Idle", Some(("Running", 1)))
    );
    assert!(refused.to_string().contains("load it again and retry"));
    let second = refused.into_machine();
    assert_eq!((second.state_info().name(), second.sequence()), ("Idle", 0));
    assert_eq!(aw!(journal.history("a")).unwrap().len(), 1);

    // Resume, and `apply` with retries, continue where the journal is.
    let mut a = aw!(journal.resume("a", job_state)).unwrap();
    aw!(a.apply(job::Event::Halt)).unwrap();
    let applied = aw!(journal.apply("a", job::Event::Run, 3, job_state)).unwrap();
    assert_eq!((applied.record.sequence(), applied.conflicts), (3, 0));
    // The stale machine `a` is behind now: its next append conflicts.
    let stale = aw!(a.apply(job::Event::Run)).unwrap_err();
    assert!(matches!(
        stale.cause(),
        Cause::Unrecorded(SqlError::Conflict(_))
    ));
    assert_eq!(a.state(), &Job::Idle);
    // A resume with a state value the records do not lead to is refused.
    let wrong = aw!(journal.resume("a", |_| Job::Paused)).unwrap_err();
    assert!(matches!(wrong, SqlError::Resume { .. }), "{wrong}");

    // A different definition of the machine is refused, with what changed.
    let mismatch = aw!(open(changed::Job::DEFINITION)).unwrap_err();
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
    aw!(exec(
        "UPDATE statewright_records SET to_state = 'Paused' WHERE instance = 'a' AND sequence = 1",
    ));
    let corrupt = aw!(journal.history("a")).unwrap_err();
    let SqlError::Corrupt { sequence, .. } = &corrupt else {
        panic!("{corrupt}");
    };
    assert_eq!(*sequence, Some(1));
    assert!(corrupt.to_string().contains("record #1"), "{corrupt}");
    assert!(aw!(journal.resume("a", job_state)).is_err());
    aw!(exec(
        "UPDATE statewright_records SET to_state = 'Gone' WHERE instance = 'b' AND sequence = 3"
    ));
    let unknown = aw!(journal.state("b")).unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("corrupt at record #3: unknown state `Gone`"),
        "{unknown}"
    );
    assert!(aw!(journal.history("b")).is_err());
    // Both instances have a row changed by hand: each is an error of its own.
    let all = aw!(journal.instances()).unwrap();
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
    aw!(exec(
        "UPDATE statewright_records SET to_state = 'Idle', outcome = 'rejected' WHERE instance = 'b' AND sequence = 1",
    ));
    aw!(exec(
        "UPDATE statewright_records SET to_state = 'Paused' WHERE instance = 'b' AND sequence = 3",
    ));
    let rejected_allowed = aw!(journal.history("b")).unwrap_err();
    assert!(
        rejected_allowed
            .to_string()
            .contains("`run` is allowed in `Idle`, so it cannot have been rejected there"),
        "{rejected_allowed}"
    );

    snapshots(&aw!(open(Order::DEFINITION)).unwrap(), exec).await;
    declined_guards(&aw!(open(Gate::DEFINITION)).unwrap()).await;
    idempotent(&aw!(open(Job::DEFINITION)).unwrap(), exec).await;
}

/// Event ids go into the `event_id` column; the window is rebuilt from it; the database
/// refuses an id it already has for the instance even when the window forgot it.
async fn idempotent<B: Bk>(journal: &J<B>, exec: &Exec<'_>) {
    use std::time::Duration;

    // Each event's id goes into the `event_id` column, with its record.
    let mut machine = Dynamic::start_with(Job::Idle, rec!(journal.recorder("i-1"))).unwrap();
    event_id!(machine, Some("m-1"));
    aw!(machine.apply(job::Event::Run)).unwrap();
    event_id!(machine, Some("m-'2'"));
    aw!(machine.apply(job::Event::Run)).unwrap_err(); // rejected, and recorded with its id
    event_id!(machine, None);
    aw!(machine.apply(job::Event::Pause)).unwrap(); // no id: NULL
    assert_eq!(aw!(journal.history("i-1")).unwrap().len(), 3);

    // A restart: the window comes back from the rows, newest ids kept.
    let window = aw!(journal.window("i-1", 10, Some(Duration::from_secs(60)))).unwrap();
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
    let small = aw!(journal.window("i-1", 1, None)).unwrap();
    assert_eq!(
        small.iter().map(|(id, _)| id).collect::<Vec<_>>(),
        ["m-'2'"]
    );
    assert!(aw!(journal.window("nobody", 10, None)).unwrap().is_empty());
    // An `Idempotent` machine (synchronous) answers a duplicate from the rebuilt window.
    sync_only! {{
        use statewright::{Idempotent, ManualClock, Timestamp};
        let clock = ManualClock::new(Timestamp::from_unix_nanos(1));
        let machine = aw!(journal.resume("i-1", job_state)).unwrap();
        let mut job = Idempotent::new(machine, window, clock);
        assert!(job.apply("m-'2'", job::Event::Proceed).is_duplicate());
        assert!(job.apply("m-1", job::Event::Run).is_duplicate());
    }}

    // Beyond any window the unique index still refuses the id: nothing applied or written.
    let mut machine = aw!(journal.resume("i-1", job_state)).unwrap();
    event_id!(machine, Some("m-1"));
    let rejection = aw!(machine.apply(job::Event::Proceed)).unwrap_err();
    let Cause::Unrecorded(SqlError::DuplicateEvent {
        event_id, sequence, ..
    }) = rejection.cause()
    else {
        panic!("{rejection}");
    };
    assert_eq!((event_id.as_str(), *sequence), ("m-1", Some(1)));
    assert_eq!(machine.state(), &Job::Paused);
    assert_eq!(aw!(journal.history("i-1")).unwrap().len(), 3);
    // A new id goes through.
    event_id!(machine, Some("m-3"));
    aw!(machine.apply(job::Event::Proceed)).unwrap();

    // A row changed by hand: an error, not a panic.
    aw!(exec(
        "UPDATE statewright_records SET to_state = 'Gone' WHERE instance = 'i-1' AND sequence = 1",
    ));
    let corrupt = aw!(journal.window("i-1", 10, None)).unwrap_err();
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
async fn declined_guards<B: Bk>(journal: &J<B>) {
    let mut gate = Dynamic::start_with(Gate::Shut, rec!(journal.recorder("g-1"))).unwrap();
    let rejection = aw!(gate.apply(gate::Event::Open(None))).unwrap_err();
    assert!(matches!(rejection.cause(), Cause::Declined));
    aw!(gate.apply(gate::Event::Open(Some(gate::Open)))).unwrap();
    let history: Vec<String> = aw!(journal.history("g-1"))
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        history,
        ["#1 Shut --open--x rejected", "#2 Shut --open--> Open"]
    );
    let gate = aw!(journal.resume("g-1", |s| {
        if s.name() == "Open" {
            Gate::Open
        } else {
            Gate::Shut
        }
    }))
    .unwrap();
    assert_eq!(gate.sequence(), 2);
}

/// Snapshots of data-carrying states: saved, loaded, checked against the records.
async fn snapshots<B: Bk>(journal: &J<B>, exec: &Exec<'_>) {
    assert!(aw!(journal.load::<Order>("o-1")).unwrap().is_none());
    let recorder = journal.recorder("o-1");
    assert_eq!(recorder.instance(), "o-1");
    let recorder = rec!(recorder);
    let mut o = Dynamic::start_with(Order::Pending, recorder).unwrap();
    let paid = aw!(o.apply(order::Event::Pay { amount_cents: 250 })).unwrap();
    // The row holds the time of the append; the record handed back reads no clock.
    assert_eq!(paid.at(), None);
    // Records but no snapshot: no guessing of the amount.
    let none = aw!(journal.load::<Order>("o-1")).unwrap_err();
    assert!(
        matches!(none, SqlError::NoSnapshot { snapshot: None, .. }),
        "{none}"
    );
    aw!(journal.save_snapshot(&o, "o-1")).unwrap();
    // A rejection after the snapshot keeps the state and its data: supported.
    aw!(o.apply(order::Event::Deliver)).unwrap_err();
    let loaded = aw!(journal.load::<Order>("o-1")).unwrap().unwrap();
    assert_eq!(loaded.state(), &Order::Paid { amount_cents: 250 });
    assert_eq!(loaded.sequence(), 2);
    // A transition after the snapshot: its data cannot be justified.
    let mut loaded = loaded;
    aw!(loaded.apply(order::Event::Ship {
        tracking: "T-1".into(),
    }))
    .unwrap();
    let behind = aw!(journal.load::<Order>("o-1")).unwrap_err();
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
    aw!(journal.save_snapshot(&loaded, "o-1")).unwrap();
    let shipped = aw!(journal.load::<Order>("o-1")).unwrap().unwrap();
    assert_eq!(
        shipped.state(),
        &Order::Shipped {
            tracking: "T-1".into()
        }
    );
    // `Snapshot::restore` checks the snapshot against where the recorder knows the instance
    // is: a synchronous recorder reads it, an async one knows it from its last read.
    let at_3 = statewright::Snapshot::of(&shipped, "o-1");
    assert_eq!(
        at_3.restore(rec!(journal.recorder("o-1")))
            .unwrap()
            .sequence(),
        3
    );
    let resumed = aw!(journal.resume("o-1", |_| Order::Shipped {
        tracking: "T-1".into(),
    }))
    .unwrap();
    let (_, _, _, read) = resumed.into_all_parts();
    let at_2 = statewright::Snapshot::of(&o, "o-1");
    let stale = at_2.restore(read).unwrap_err();
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
    sync_only! {{
        // A new synchronous recorder reads the position itself.
        let at_2 = statewright::Snapshot::of(&o, "o-1");
        assert!(at_2.restore(journal.recorder("o-1")).is_err());
    }}
    // Nor can a snapshot of one instance restore onto the recorder of another.
    let elsewhere = statewright::Snapshot::of(&shipped, "o-1")
        .restore(rec!(journal.recorder("o-7")))
        .unwrap_err();
    assert!(
        matches!(elsewhere, statewright::SnapshotError::WrongInstance { .. }),
        "{elsewhere}"
    );
    // A machine whose state the journal does not have at its sequence cannot save it.
    let mut o2 = Dynamic::start_with(Order::Pending, rec!(journal.recorder("o-2"))).unwrap();
    aw!(o2.apply(order::Event::Cancel)).unwrap();
    let wrong = aw!(journal.save_snapshot(&shipped, "o-2")).unwrap_err();
    assert!(wrong.to_string().contains("no record #3"), "{wrong}");
    let wrong = aw!(journal.save_snapshot(&o2, "o-1")).unwrap_err();
    assert!(
        wrong.to_string().contains("the journal has `Paid` there"),
        "{wrong}"
    );
    let mut other = aw!(journal.resume("o-1", |_| Order::Shipped {
        tracking: "T-1".into(),
    }))
    .unwrap();
    aw!(other.apply(order::Event::Deliver)).unwrap();
    // A snapshot row that names another instance (at the right sequence) is refused.
    aw!(journal.save_snapshot(&other, "o-1")).unwrap();
    aw!(exec(
        "UPDATE statewright_snapshots SET state = replace(state, '\"instance\":\"o-1\"', \
         '\"instance\":\"o-9\"') WHERE instance = 'o-1' AND sequence = 4",
    ));
    let moved = aw!(journal.load::<Order>("o-1")).unwrap_err();
    assert_eq!(
        moved.to_string(),
        "the journal of instance `o-1` is corrupt at record #4: its snapshot says it is \
         instance `o-9` at #4"
    );
    // Tampered snapshot JSON is an error, not a panic.
    aw!(exec(
        "UPDATE statewright_snapshots SET state = '{\"format\": 1' WHERE instance = 'o-1' AND sequence = 4",
    ));
    let tampered = aw!(journal.load::<Order>("o-1")).unwrap_err();
    assert!(matches!(tampered, SqlError::Corrupt { .. }), "{tampered}");
    assert!(tampered.to_string().contains("does not read"), "{tampered}");
}

/// Both backends accept and refuse the same instance ids and event ids, before the database
/// sees them, with an error that names the rule.
pub async fn ids<B: Bk>(journal: &J<B>) {
    for (id, accepted) in id_table() {
        let shown = &id[..id.len().min(40)];
        let mut machine =
            Dynamic::start_with(Job::Idle, rec!(journal.recorder(id.clone()))).unwrap();
        let result = aw!(machine.apply(job::Event::Run));
        if accepted {
            result.unwrap_or_else(|r| panic!("{shown:?} was refused: {r}"));
            let (state, sequence) = aw!(journal.state(&id)).unwrap().unwrap();
            assert_eq!((state.name(), sequence), ("Running", 1), "{shown:?}");
            assert_eq!(aw!(journal.history(&id)).unwrap().len(), 1, "{shown:?}");
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
        let read = aw!(journal.state(&id)).unwrap_err();
        assert!(
            read.to_string().starts_with("invalid instance id"),
            "{shown:?}: {read}"
        );
        assert!(aw!(journal.history(&id)).is_err(), "{shown:?}");
    }

    // The same rules for event ids: an invalid one is refused and nothing is applied.
    for (id, accepted) in id_table() {
        let shown = &id[..id.len().min(40)];
        // The longest instance id with each event id: the event id index holds both.
        let instance = format!("{:e<1024}", format!("events-{}-", id.len()));
        let mut machine =
            Dynamic::start_with(Job::Idle, rec!(journal.recorder(instance.as_str()))).unwrap();
        event_id!(machine, Some(id.as_str()));
        match aw!(machine.apply(job::Event::Run)) {
            Ok(_) if accepted => {}
            Err(rejection) if !accepted => {
                let Cause::Unrecorded(error) = rejection.cause() else {
                    panic!("{shown:?}: {rejection}");
                };
                assert!(
                    error.to_string().starts_with("invalid event id"),
                    "{shown:?}: {error}"
                );
                assert_eq!(machine.state(), &Job::Idle);
            }
            Ok(_) => panic!("the invalid event id {shown:?} was accepted"),
            Err(rejection) => panic!("{shown:?} was refused: {rejection}"),
        }
    }
}

/// `state` and `instances_in` never report a state the verified history would not reach: a
/// hand-edited illegal last row is an error of its instance only.
pub async fn hand_edited_heads<B: Bk>(journal: &J<B>, exec: &Exec<'_>) {
    aw!(job::start_with(rec!(journal.recorder("g-1"))).run()).unwrap();
    let g2 = aw!(job::start_with(rec!(journal.recorder("g-2"))).run()).unwrap();
    aw!(g2.pause()).unwrap();
    aw!(job::start_with(rec!(journal.recorder("h-1"))).run()).unwrap();
    // `run` leads to `Running`, never to `Paused`: an illegal last row.
    aw!(exec(
        "UPDATE statewright_records SET to_state = 'Paused' WHERE instance = 'h-1' AND sequence = 1",
    ));
    assert!(aw!(journal.history("h-1")).is_err());
    let state = aw!(journal.state("h-1"));
    assert!(
        state.is_err(),
        "state() reported {:?} from an illegal row",
        state.map(|s| s.map(|(s, n)| (s.name(), n)))
    );
    // Listed as an error of its own, never as in `Paused`; the good instance is listed.
    let paused = aw!(journal.instances_in("Paused")).unwrap();
    assert_eq!(paused.len(), 2, "{paused:?}");
    assert_eq!(paused[0].as_ref().unwrap(), "g-2");
    let error = paused[1].as_ref().unwrap_err();
    assert!(
        matches!(error, SqlError::Corrupt { instance, sequence: Some(1), .. } if instance == "h-1"),
        "{error}"
    );
    assert!(
        aw!(journal.instances_in("Running")).unwrap()[0]
            .as_ref()
            .is_ok_and(|id| id == "g-1")
    );

    // A row inserted by hand under an id the rules refuse: an error of its own.
    aw!(exec(
        "INSERT INTO statewright_records (machine, instance, sequence, from_state, event, \
         to_state, outcome) VALUES ('Job', '', 1, 'Idle', 'run', 'Running', 'applied')",
    ));
    let all = aw!(journal.instances()).unwrap();
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
