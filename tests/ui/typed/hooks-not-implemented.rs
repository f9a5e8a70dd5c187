use statewright::state_machine;

pub struct Network;

#[state_machine(context = Network)]
enum Connection {
    #[initial]
    #[on(connect -> Connected)]
    Disconnected,
    #[enter]
    #[on(disconnect -> Disconnected)]
    Connected,
}

fn main() {
    let _ = connection::start(Network);
}
