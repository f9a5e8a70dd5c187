use statewright::state_machine;

use statewright::TypedMachine;

fn main() {
    // A machine declared inside a function body, as tests often do.
    #[state_machine]
    #[derive(Debug, PartialEq)]
    enum Door {
        #[initial]
        #[on(open -> Open)]
        Closed,
        #[on(close -> Closed)]
        Open,
    }

    let m = door::start().open();
    assert_eq!(m.state_info().name(), "Open");
    let d = door::Dynamic::from(m);
    assert_eq!(d.state(), &Door::Open);
}
