use statewright::state_machine;

// A variant declared twice is reported once, at the second declaration, and nothing else about
// it: no "unreachable" for the copy, no conflicting impls or non-exhaustive matches.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
enum Job {
    #[initial]
    #[on(run -> Running)]
    Queued,
    #[on(finish -> Done)]
    Running,
    #[on(fail -> Queued)]
    Running,
    #[terminal]
    Done,
}

fn main() {
    // Code using the machine still resolves.
    let _ = job::start().run().finish();
}
