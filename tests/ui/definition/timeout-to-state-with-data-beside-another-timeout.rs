use statewright::state_machine;

// Both timeouts are the event `timeout`; the one into a state with data is the one mistake.
#[state_machine]
enum Build {
    #[initial]
    #[timeout(20min -> BuildFailed)]
    #[on(start -> Running)]
    Queued,
    #[timeout(1h -> TimedOut)]
    #[on(finish -> Done)]
    Running,
    #[terminal]
    Done,
    #[terminal]
    TimedOut,
    #[terminal]
    BuildFailed { log: String },
}

fn main() {}
