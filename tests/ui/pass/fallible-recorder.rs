use statewright::state_machine;

use statewright::{Outcome, Record, RecordError, Recorder, TypedMachine};

#[state_machine]
#[derive(Debug, PartialEq)]
enum Door {
    #[initial]
    #[on(open -> Open)]
    Closed,
    #[on(close -> Closed)]
    Open,
}

#[derive(Debug, PartialEq)]
struct DiskFull;
impl RecordError for DiskFull {}

/// Accepts `room` records, then refuses.
struct Journal {
    room: usize,
    kept: Vec<Record>,
}

impl Recorder for Journal {
    type Error = DiskFull;

    fn record(&mut self, record: &Record) -> Result<(), DiskFull> {
        if self.kept.len() == self.room {
            return Err(DiskFull);
        }
        self.kept.push(*record);
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let journal = Journal { room: 2, kept: Vec::new() };
    let m = door::start_with(journal).open().map_err(|r| r.into_parts().1).unwrap();
    let m = m.close().map_err(|r| r.into_parts().1).unwrap();
    // The journal is full: the transition does not happen, the machine comes back unchanged.
    let refused = m.open().unwrap_err();
    assert_eq!(refused.error(), &DiskFull);
    let m = refused.into_machine();
    assert_eq!(m.sequence(), 2);
    assert_eq!(m.state_info().name(), "Closed");

    // The dynamic API hands the event back.
    let mut d = door::Dynamic::from(m);
    let rejected = d.apply(door::Event::Open).unwrap_err();
    assert!(!rejected.is_illegal());
    assert_eq!(rejected.into_event(), door::Event::Open);
    assert_eq!(d.state(), &Door::Closed);
    assert!(d.recorder().kept.iter().all(|r| r.outcome() == Outcome::Applied));
    Ok(())
}
