use statewright::state_machine;

#[state_machine]
enum Job {
    #[initial]
    #[on(run -> Running)]
    Queued,
    #[on(finish -> Done, fail -> Failed)]
    Running,
    #[on(reset -> Queued)]
    Failed,
    #[on(reset -> Running)]
    Done,
}

fn main() {
    // `reset` leads to different states depending on where it starts; not from `Queued`.
    let _ = job::start().reset();
}
