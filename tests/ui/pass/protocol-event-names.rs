use statewright::state_machine;

use statewright::TypedMachine;

// The events real protocols use are all available in one machine: `open`, `close`, `send`,
// `start`, `stop`, `reset`, `timeout`, `cancel`, `retry` and the like. Names of the methods a
// machine's users call (`state`, `sequence`, `into`, `clone`, ...) are rejected instead
// (`tests/ui/definition/event-shadows-method.rs`), so here `m.sequence()` is the method.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
enum Link {
    #[initial]
    #[on(open -> Opening, start -> Opening)]
    Closed,
    #[on(ack -> Up, timeout -> Closed, abort -> Closed, retry -> Opening, fail -> Closed)]
    #[on(cancel -> Closed)]
    Opening,
    #[on(send -> Up, close -> Closed, stop -> Closed, reset -> Opening, name -> Spare)]
    Up,
    #[on(new -> Spare, with -> Spare, apply -> Spare, next -> Closed)]
    Spare,
}

fn main() {
    let m = link::start().open().ack().send().reset().retry().fail();
    let m = m.start().timeout().open().abort().open().ack().close();
    let m = m.open().ack().stop().open().cancel();
    assert_eq!(m.sequence(), 18);
    let m = m.open().ack().name().new().with().apply();
    assert_eq!(m.state_info().name(), "Spare");
    let m = m.next();
    assert_eq!(m.state_info().name(), "Closed");
    assert_eq!(m.sequence(), 25);
}
