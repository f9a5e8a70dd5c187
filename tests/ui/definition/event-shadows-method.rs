use statewright::state_machine;

// Events named like methods a machine's users call: each would shadow the method (`m.state()`
// would fire the event), so each is reported, all in one build.
#[state_machine]
enum Link {
    #[initial]
    #[on(state -> Up, into -> Up, clone -> Up, recorder -> Up)]
    Down,
    #[on(eq -> Down, fmt -> Down, definition -> Down, type_id -> Down, sequence -> Down)]
    Up,
}

fn main() {}
