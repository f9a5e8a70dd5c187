//! Recording for production, through the facade: journals under typed and dynamic machines,
//! composed recorders, tracing, snapshots checked against the journal, and migrations.
#![cfg(all(feature = "journal", feature = "tracing"))]

use std::sync::{Arc, Mutex};

use statewright::journal::{Durability, Journal, JournalError, MemoryStorage};
use statewright::{
    Dynamic, Memory, Migration, Snapshot, SnapshotError, StateMachine, Tracing, TypedMachine,
    state_machine,
};

/// The order machine, with serde for snapshots.
mod v1 {
    use super::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub enum Order {
        #[initial]
        #[on(pay -> Paid, cancel -> Cancelled)]
        Pending,
        #[on(ship -> Shipped, cancel -> Cancelled)]
        Paid { amount_cents: u64 },
        #[on(deliver -> Delivered)]
        Shipped,
        #[terminal]
        Delivered,
        #[terminal]
        Cancelled,
    }
}

/// The next version: `ship` is now `dispatch`, and a paid order can be refunded.
mod v2 {
    use super::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub enum Order {
        #[initial]
        #[on(pay -> Paid, cancel -> Cancelled)]
        Pending,
        #[on(dispatch -> Shipped, cancel -> Cancelled, refund -> Refunded)]
        Paid { amount_cents: u64 },
        #[on(deliver -> Delivered)]
        Shipped,
        #[terminal]
        Delivered,
        #[terminal]
        Cancelled,
        #[terminal]
        Refunded,
    }
}

use v1::{Order, order};

fn journal(storage: &MemoryStorage) -> Journal {
    Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Sync).unwrap()
}

#[test]
fn typed_and_dynamic_machines_write_one_journal() {
    let storage = MemoryStorage::new();
    let j = journal(&storage);
    let typed = order::start_with(j.recorder("o-1"))
        .pay(order::Paid { amount_cents: 10 })
        .unwrap()
        .ship()
        .unwrap();
    assert_eq!(typed.sequence(), 2);
    let mut dynamic = Dynamic::start_with(Order::Pending, j.recorder("o-2")).unwrap();
    dynamic.apply(order::Event::Cancel).unwrap();
    let rejection = dynamic.apply(order::Event::Cancel).unwrap_err();
    assert!(rejection.is_illegal());
    drop((typed, dynamic, j));

    let j = journal(&storage);
    let states: Vec<(String, &str, u64)> = j
        .instances()
        .into_iter()
        .map(|(id, state, sequence)| (id, state.name(), sequence))
        .collect();
    assert_eq!(
        states,
        [("o-1".into(), "Shipped", 2), ("o-2".into(), "Cancelled", 2)]
    );
    // Resumed from the journal, the typed machine continues where it was.
    let resumed =
        Dynamic::resume(Order::Shipped, j.history("o-1").unwrap(), j.recorder("o-1")).unwrap();
    let order::Typed::Shipped(shipped) = resumed.into_typed() else {
        panic!("the order was shipped");
    };
    let delivered = shipped.deliver().unwrap();
    assert_eq!(delivered.sequence(), 3);
    assert_eq!(j.state("o-1").unwrap().name(), "Delivered");
}

#[test]
fn a_second_machine_for_an_instance_is_refused_and_keeps_its_state() {
    let storage = MemoryStorage::new();
    let j = journal(&storage);
    let first = order::start_with(j.recorder("o-1"))
        .pay(order::Paid { amount_cents: 1 })
        .unwrap();
    let refused = order::start_with(j.recorder("o-1")).cancel().unwrap_err();
    assert!(matches!(
        refused.error(),
        JournalError::SequenceConflict {
            expected: 2,
            found: 1,
            ..
        }
    ));
    let second = refused.into_machine();
    assert_eq!(second.sequence(), 0);
    assert_eq!(second.state_info().name(), "Pending");
    assert_eq!(first.state_info().name(), "Paid");
}

/// A `tracing` subscriber that keeps every event's level and fields as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<String>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(bytes).trim().to_string());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn journal_tracing_and_memory_compose() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .with_max_level(tracing::Level::INFO)
        .finish();
    let storage = MemoryStorage::new();
    let j = journal(&storage);
    tracing::subscriber::with_default(subscriber, || {
        let recorder = (
            j.recorder("o-7"),
            (Tracing::new().instance("o-7").with_span(), Memory::new()),
        );
        let mut m = Dynamic::start_with(Order::Pending, recorder).unwrap();
        m.apply(order::Event::Pay { amount_cents: 5 }).unwrap();
        m.apply(order::Event::Pay { amount_cents: 5 }).unwrap_err();
        let (_, (_, memory)) = m.recorder();
        assert_eq!(memory.len(), 2);
        // The journal refuses (closed): tracing and memory never see the record.
        j.close().unwrap();
        m.apply(order::Event::Cancel).unwrap_err();
        let (_, (_, memory)) = m.recorder();
        assert_eq!(memory.len(), 2);
        assert_eq!(m.state(), &Order::Paid { amount_cents: 5 });
    });
    let lines = captured.0.lock().unwrap().clone();
    assert_eq!(
        lines,
        [
            "INFO machine{machine=\"Order\" instance=\"o-7\"}: statewright: transition machine=\"Order\" instance=\"o-7\" sequence=1 from=\"Pending\" event=\"pay\" to=\"Paid\"",
            "WARN machine{machine=\"Order\" instance=\"o-7\"}: statewright: rejected machine=\"Order\" instance=\"o-7\" sequence=2 from=\"Paid\" event=\"pay\" to=\"Paid\"",
        ]
    );
}

#[test]
fn snapshots_restore_only_in_agreement_with_the_journal() {
    let storage = MemoryStorage::new();
    let j = journal(&storage);
    let mut m = Dynamic::start_with(Order::Pending, j.recorder("o-1")).unwrap();
    m.apply(order::Event::Pay { amount_cents: 7 }).unwrap();
    let at_paid = serde_json::to_string(&Snapshot::of(&m, "o-1")).unwrap();
    let restore = |json: &str| {
        serde_json::from_str::<Snapshot<Order>>(json)
            .unwrap()
            .restore(j.recorder("o-1"))
    };
    let restored = restore(&at_paid).unwrap();
    assert_eq!(restored.state(), &Order::Paid { amount_cents: 7 });
    assert_eq!(restored.sequence(), 1);

    m.apply(order::Event::Ship).unwrap();
    assert_eq!(
        restore(&at_paid).unwrap_err(),
        SnapshotError::Stale {
            snapshot: 1,
            recorder: 2
        }
    );
    let ahead = at_paid.replace("\"sequence\":1", "\"sequence\":9");
    assert_eq!(
        restore(&ahead).unwrap_err().to_string(),
        "the snapshot is at record #9 but the recorder only has #2: records were lost"
    );
    let wrong_state = at_paid
        .replace("\"sequence\":1", "\"sequence\":2")
        .replace("{\"Paid\":{\"amount_cents\":7}}", "\"Cancelled\"");
    assert_eq!(
        restore(&wrong_state).unwrap_err(),
        SnapshotError::StateMismatch {
            snapshot: "Cancelled",
            recorder: "Shipped"
        }
    );
    // A snapshot of o-1 does not restore into o-2's recorder.
    assert_eq!(
        serde_json::from_str::<Snapshot<Order>>(&at_paid)
            .unwrap()
            .restore(j.recorder("o-2"))
            .unwrap_err()
            .to_string(),
        "the snapshot is of instance `o-1`, the recorder writes for `o-2`"
    );
    // Without a journal there is nothing to agree with.
    let free = serde_json::from_str::<Snapshot<Order>>(&at_paid)
        .unwrap()
        .restore(Memory::new())
        .unwrap();
    assert_eq!(free.sequence(), 1);
}

#[test]
fn data_of_another_definition_needs_a_migration() {
    // A v1 snapshot and journal.
    let storage = MemoryStorage::new();
    let j = journal(&storage);
    let mut m = Dynamic::start_with(Order::Pending, j.recorder("o-1")).unwrap();
    m.apply(order::Event::Pay { amount_cents: 3 }).unwrap();
    m.apply(order::Event::Ship).unwrap();
    let mut paid = Dynamic::start_with(Order::Pending, j.recorder("o-2")).unwrap();
    paid.apply(order::Event::Pay { amount_cents: 4 }).unwrap();
    let snapshot = serde_json::to_string(&Snapshot::of(&paid, "o-2")).unwrap();
    drop((m, paid, j));

    let err = serde_json::from_str::<Snapshot<v2::Order>>(&snapshot)
        .unwrap()
        .restore(Memory::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the snapshot was written by a different definition (fingerprint {}, now {}); changes since: + state Refunded, + Paid --dispatch--> Shipped, + Paid --refund--> Refunded, - Paid --ship--> Shipped",
            Order::DEFINITION.fingerprint(),
            v2::Order::DEFINITION.fingerprint()
        )
    );
    let err = Journal::with_storage(storage.clone(), v2::Order::DEFINITION, Durability::Sync)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("changes since: + state Refunded, + Paid --dispatch--> Shipped"),
        "{err}"
    );

    let migration = Migration::from_fingerprint(Order::DEFINITION.fingerprint())
        .rename_event("ship", "dispatch");
    let restored = serde_json::from_str::<Snapshot<v2::Order>>(&snapshot)
        .unwrap()
        .restore_migrating(Memory::new(), &migration)
        .unwrap();
    assert_eq!(restored.state(), &v2::Order::Paid { amount_cents: 4 });

    let migrated = MemoryStorage::new();
    let j2 = Journal::migrate(
        storage.clone(),
        migrated.clone(),
        v2::Order::DEFINITION,
        Durability::Sync,
        &migration,
    )
    .unwrap();
    let history: Vec<String> = j2
        .history("o-1")
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        history,
        ["#1 Pending --pay--> Paid", "#2 Paid --dispatch--> Shipped"]
    );
    // The migrated journal continues under the new definition.
    let mut o2 = Dynamic::resume(
        v2::Order::Paid { amount_cents: 4 },
        j2.history("o-2").unwrap(),
        j2.recorder("o-2"),
    )
    .unwrap();
    o2.apply(v2::order::Event::Refund).unwrap();
    assert_eq!(j2.instances_in("Refunded"), ["o-2"]);
    // Without the rename the old records are not legal steps of v2.
    let err = Journal::migrate(
        storage,
        MemoryStorage::new(),
        v2::Order::DEFINITION,
        Durability::Sync,
        &Migration::from_fingerprint(Order::DEFINITION.fingerprint()),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "journal line 3 is corrupt: unknown event `ship`"
    );
}

#[test]
fn a_damaged_line_stops_a_migration_with_its_number() {
    let storage = MemoryStorage::new();
    let j = journal(&storage);
    let mut m = Dynamic::start_with(Order::Pending, j.recorder("o-1")).unwrap();
    m.apply(order::Event::Pay { amount_cents: 3 }).unwrap();
    m.apply(order::Event::Ship).unwrap();
    drop((m, j));
    // One flipped bit in the third line (the second record).
    let mut bytes = storage.bytes();
    let third = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    bytes[third + 20] ^= 0x04;
    let migrated = MemoryStorage::new();
    let err = Journal::migrate(
        MemoryStorage::from_bytes(bytes),
        migrated.clone(),
        v2::Order::DEFINITION,
        Durability::Sync,
        &Migration::from_fingerprint(Order::DEFINITION.fingerprint())
            .rename_event("ship", "dispatch"),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "journal line 3 is corrupt: checksum mismatch (the line was altered)"
    );
    assert!(migrated.bytes().is_empty(), "nothing was migrated");
}
