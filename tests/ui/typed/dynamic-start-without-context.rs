use statewright::{Dynamic, Memory, Record, state_machine};

pub struct DeployInfo {
    pub id: u64,
}

#[state_machine(context = DeployInfo)]
#[derive(Debug)]
enum Deploy {
    #[initial]
    #[on(build -> Building)]
    Queued,
    #[terminal]
    Building,
}

fn main() {
    let _ = Dynamic::start(Deploy::Queued);
    let history: Vec<Record> = Vec::new();
    let _ = Dynamic::resume(Deploy::Building, &history, Memory::new());
}
