//! The recorder adapters (`&mut R`, `Box<R>`, `Untimed<R>` and the pair `(A, B)`) pass every
//! part of the `Recorder` contract through: records, event ids, whether records are timed,
//! the position and the instance id that snapshots are checked against.

use statewright::{
    Memory, Record, RecordError, Recorder, Refused, Ring, StateId, StateMachine, TypedMachine,
    Untimed, state_machine,
};

#[state_machine]
#[derive(Debug, Clone, PartialEq)]
enum Door {
    #[initial]
    #[on(open -> Open)]
    Closed,
    #[on(close -> Closed)]
    Open,
}

fn open_state() -> StateId {
    Door::DEFINITION.state("Open").unwrap().id()
}

/// A recorder that knows its position and instance, says whether it wants timestamps, and logs
/// every record with the event id it was announced under.
#[derive(Debug, Default)]
struct Probe {
    timed: bool,
    position: Option<(u64, StateId)>,
    instance: Option<&'static str>,
    next_id: Option<String>,
    log: Vec<(String, Option<String>)>,
}

impl Probe {
    fn known(timed: bool) -> Self {
        Probe {
            timed,
            position: Some((7, open_state())),
            instance: Some("door-7"),
            ..Probe::default()
        }
    }
}

impl Recorder for Probe {
    type Error = std::convert::Infallible;

    fn record(&mut self, record: &Record) -> Result<(), Self::Error> {
        self.log.push((record.to_string(), self.next_id.clone()));
        Ok(())
    }

    fn timestamps(&self) -> bool {
        self.timed
    }

    fn position(&self) -> Option<(u64, StateId)> {
        self.position
    }

    fn instance(&self) -> Option<&str> {
        self.instance
    }

    fn event_id(&mut self, id: Option<&str>) {
        self.next_id = id.map(String::from);
    }
}

/// The log of a probe that recorded `open` announced as `msg-1`.
fn opened_as_msg_1() -> Vec<(String, Option<String>)> {
    vec![("#1 Closed --open--> Open".into(), Some("msg-1".into()))]
}

/// Everything a wrapper must pass through to the `Probe` inside it.
fn passes_through(wrapper: &mut impl Recorder, timed: bool) {
    assert_eq!(wrapper.timestamps(), timed);
    assert_eq!(wrapper.position(), Some((7, open_state())));
    assert_eq!(wrapper.instance(), Some("door-7"));
    wrapper.event_id(Some("msg-1"));
}

#[test]
fn a_mutable_reference_passes_everything_through() {
    for timed in [false, true] {
        let mut probe = Probe::known(timed);
        passes_through(&mut &mut probe, timed);
        let door = door::start_with(&mut probe).open();
        assert_eq!(door.state_info().name(), "Open");
        assert_eq!(probe.log, opened_as_msg_1());
    }
}

#[test]
fn a_box_passes_everything_through() {
    for timed in [false, true] {
        let mut boxed = Box::new(Probe::known(timed));
        passes_through(&mut boxed, timed);
        let door = door::start_with(boxed).open();
        let probe = door.recorder();
        assert_eq!(probe.log, opened_as_msg_1());
    }
}

#[test]
fn untimed_turns_off_timestamps_and_passes_the_rest_through() {
    let mut untimed = Untimed(Probe::known(true));
    passes_through(&mut untimed, false);
    let door = door::start_with(untimed).open();
    let probe = &door.recorder().0;
    assert_eq!(probe.log, opened_as_msg_1());
}

#[test]
fn untimed_records_carry_no_time_and_timed_ones_do() {
    let door = door::start_with(Untimed(Memory::new())).open();
    assert_eq!(door.recorder().0.last().unwrap().at(), None);
    // Records carry the wall-clock time with the `std` feature.
    let door = door::start_with(Memory::new()).open();
    assert_eq!(
        door.recorder().last().unwrap().at().is_some(),
        cfg!(feature = "std")
    );
}

#[test]
fn a_pair_asks_its_first_part_then_its_second() {
    // The first part knows: its answers win.
    let mut pair = (Probe::known(false), Probe::default());
    pair.1.position = Some((1, Door::DEFINITION.initial().id()));
    pair.1.instance = Some("other");
    passes_through(&mut pair, false);
    assert_eq!(
        pair.1.next_id.as_deref(),
        Some("msg-1"),
        "both parts hear the event id"
    );

    // Only the second part knows.
    let mut pair = (Probe::default(), Probe::known(false));
    passes_through(&mut pair, false);
    assert_eq!(
        pair.0.next_id.as_deref(),
        Some("msg-1"),
        "both parts hear the event id"
    );
    let door = door::start_with(pair).open();
    let (first, second) = door.recorder();
    assert_eq!(first.log, second.log);
    assert_eq!(first.log, opened_as_msg_1());

    // Nobody knows.
    let pair = (Probe::default(), Probe::default());
    assert_eq!((pair.position(), pair.instance()), (None, None));
}

#[test]
fn a_pair_is_timed_when_either_part_is() {
    for (first, second) in [(false, false), (false, true), (true, false), (true, true)] {
        let pair = (Probe::known(first), Probe::known(second));
        assert_eq!(pair.timestamps(), first || second, "({first}, {second})");
    }
}

#[derive(Debug)]
struct Offline;

impl std::fmt::Display for Offline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the journal is offline")
    }
}

impl std::error::Error for Offline {}
impl RecordError for Offline {}

struct Refusing;

impl Recorder for Refusing {
    type Error = Offline;
    fn record(&mut self, _: &Record) -> Result<(), Offline> {
        Err(Offline)
    }
}

#[test]
fn a_refusal_names_the_recorder_error_as_its_source() {
    let refused: Refused<_, Offline> = door::start_with(Refusing).open().unwrap_err();
    assert_eq!(
        refused.to_string(),
        "the transition did not happen: the journal is offline"
    );
    let source = std::error::Error::source(&refused).expect("the recorder's error");
    assert_eq!(source.to_string(), "the journal is offline");
}

#[test]
fn memory_keeps_every_record_in_order_with_room_given_up_front() {
    assert!(Memory::with_capacity(16).into_vec().capacity() >= 16);
    let door = door::start_with(Untimed(Memory::new())).open().close();
    let memory = &door.recorder().0;
    assert!(!memory.is_empty());
    assert_eq!(memory.len(), 2);
    assert_eq!(
        memory.last().unwrap().to_string(),
        "#2 Open --close--> Closed"
    );
    assert_eq!(format!("{memory:?}"), format!("{:?}", memory.records()));
    assert_eq!(
        memory.to_string(),
        "#1 Closed --open--> Open\n#2 Open --close--> Closed\n"
    );
    assert!(Memory::new().is_empty());
}

#[test]
fn a_ring_keeps_the_newest_records_and_counts_the_dropped_ones() {
    let empty = Ring::new(2);
    assert!(empty.is_empty());
    assert_eq!(empty.last(), None);
    assert_eq!(empty.to_string(), "", "nothing dropped, nothing said");

    let door = door::start_with(Untimed(Ring::new(2)))
        .open()
        .close()
        .open();
    let ring = &door.recorder().0;
    assert_eq!((ring.capacity(), ring.len(), ring.dropped()), (2, 2, 1));
    assert!(!ring.is_empty());
    assert_eq!(ring.last().unwrap().to_string(), "#3 Closed --open--> Open");
    let kept: Vec<String> = ring.into_iter().map(Record::to_string).collect();
    assert_eq!(
        kept,
        ["#2 Open --close--> Closed", "#3 Closed --open--> Open"]
    );
    assert_eq!(
        ring.to_string(),
        "... 1 earlier records dropped\n#2 Open --close--> Closed\n#3 Closed --open--> Open\n"
    );
    let shown = format!("{ring:?}");
    assert!(
        shown.starts_with("Ring { capacity: 2, dropped: 1, records: [") && shown.len() > 60,
        "{shown}"
    );

    // A ring of no records only counts.
    let door = door::start_with(Ring::new(0)).open();
    assert_eq!((door.recorder().len(), door.recorder().dropped()), (0, 1));
}
