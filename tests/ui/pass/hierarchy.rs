use statewright::state_machine;

/// A connection with reconnect and backoff states inside `Connected`'s sibling.
#[state_machine]
#[composite(Online, initial, on(disconnect -> Offline), doc = "Any state with a socket.")]
#[composite(Degraded, parent = Online, on(recover -> Healthy))]
pub enum Connection {
    #[initial]
    #[parent(Online)]
    #[on(lag -> Degraded)]
    Healthy,
    #[initial]
    #[parent(Degraded)]
    #[on(worse -> Backoff)]
    Slow,
    #[parent(Degraded)]
    #[on(retry -> Slow)]
    Backoff { attempt: u32 },
    #[on(connect -> Online, give_up -> Closed)]
    Offline,
    #[terminal]
    Closed,
}

fn generic<S: connection::InDegraded>(m: connection::Machine<S>) -> connection::Machine<connection::Healthy> {
    m.recover()
}

fn main() {
    let m = connection::start().lag().worse(connection::Backoff { attempt: 1 });
    let m = generic(m.retry());
    let _ = m.disconnect().connect();
}
