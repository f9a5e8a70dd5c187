//! What `{:?}` shows of a dynamic machine and of the errors of the dynamic API: the machine's
//! name, the state by name and the facts a log line needs, without the recorder's contents.

use statewright::{Dynamic, Memory, Record, state_machine};

#[state_machine]
#[derive(Debug, Clone, PartialEq)]
enum Door {
    #[initial]
    #[on(open -> Open)]
    Closed,
    #[on(close -> Closed)]
    Open,
}

#[test]
fn a_dynamic_machine_shows_its_state_and_sequence() {
    let mut front = Dynamic::start(Door::Closed).unwrap();
    front.apply(door::Event::Open).unwrap();
    assert_eq!(
        format!("{front:?}"),
        "Dynamic { state: Open, sequence: 1, .. }"
    );
}

#[test]
fn a_rejection_shows_the_machine_state_event_allowed_events_and_cause() {
    let mut front = Dynamic::start(Door::Closed).unwrap();
    let rejection = front.apply(door::Event::Close).unwrap_err();
    assert_eq!(
        format!("{rejection:?}"),
        "Rejection { machine: \"Door\", state: \"Closed\", event: Close, \
         allowed: [\"open\"], cause: Illegal }"
    );
}

#[test]
fn a_start_outside_the_initial_state_shows_where_it_was() {
    let error = Dynamic::start(Door::Open).unwrap_err();
    assert_eq!(
        format!("{error:?}"),
        "NotInitial { machine: \"Door\", state: \"Open\", .. }"
    );
}

#[test]
fn a_refused_resume_shows_the_state_and_the_reason() {
    let error = Dynamic::resume(Door::Open, Vec::<Record>::new(), Memory::new()).unwrap_err();
    assert_eq!(
        format!("{error:?}"),
        "ResumeError { machine: \"Door\", state: \"Open\", \
         reason: Mismatch { history: \"Closed\", found: \"Open\" }, .. }"
    );
}
