use statewright::state_machine;

// State data changes only through a transition (here the self-loop `retry`), which is
// recorded; the machine gives read access only.
#[state_machine]
#[derive(Debug)]
enum Deploy {
    #[initial]
    #[on(build -> Building)]
    Queued,
    #[on(retry -> Building, finish -> Done)]
    Building { commit: String, attempts: u32 },
    #[terminal]
    Done,
}

fn main() {
    #[allow(unused_mut)] // what a user would write; the errors below are the point
    let mut deploy = deploy::start().build(deploy::Building {
        commit: "4f2a9c1".into(),
        attempts: 1,
    });
    deploy.commit.push_str("-dirty");
    deploy.attempts = 2;
    let _ = deploy;
}
