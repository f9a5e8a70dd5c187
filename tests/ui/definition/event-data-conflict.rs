use statewright::state_machine;

#[state_machine]
enum Device {
    #[initial]
    #[on(configure -> Configured)]
    Idle,
    #[on(reset -> Idle, fault -> Faulted)]
    Configured { speed: u32 },
    #[on(reset -> Configured)]
    Faulted,
}

fn main() {}
