use statewright::state_machine;

use statewright::TypedMachine;

// The events real protocols use are all available in one machine, and so are names of the
// operations of `TypedMachine` and of the state types' derived traits: in a machine with an
// event named `sequence`, `m.sequence()` is always the event (in any state), and the operation
// stays reachable as `TypedMachine::sequence(&m)`.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
enum Link {
    #[initial]
    #[on(open -> Opening, start -> Opening)]
    Closed,
    #[on(ack -> Up, timeout -> Closed, abort -> Closed, retry -> Opening, fail -> Closed)]
    Opening,
    #[on(send -> Up, close -> Closed, stop -> Closed, reset -> Opening, state -> Spare)]
    Up,
    #[on(sequence -> Spare, recorder -> Spare, into_dynamic -> Spare, into_parts -> Spare)]
    #[on(clone -> Spare, deref -> Spare, fmt -> Spare, into -> Spare, name -> Spare)]
    #[on(new -> Spare, eq -> Spare, definition -> Spare, allowed_events -> Closed)]
    Spare,
}

fn main() {
    let m = link::start().open().ack().send().reset().retry().fail();
    let m = m.start().timeout().open().abort().open().ack().close();
    let m = m.open().ack().stop();
    assert_eq!(TypedMachine::sequence(&m), 16);
    let m = m.open().ack().state().sequence().recorder().into_dynamic().into_parts();
    let m = m.clone().deref().fmt().into().name().new().eq().definition();
    assert_eq!(TypedMachine::sequence(&m), 31);
    assert_eq!(TypedMachine::state_info(&m).name(), "Spare");
    let m = m.allowed_events();
    assert_eq!(TypedMachine::state_info(&m).name(), "Closed");
}
