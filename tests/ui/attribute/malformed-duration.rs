use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[timeout(30 -> Expired)]
    #[on(pay -> Paid, hold -> Held, wait -> Waiting, stall -> Stalled)]
    Pending,
    #[timeout(5m -> Expired)]
    #[on(ship -> Expired)]
    Paid,
    #[timeout(0s -> Expired)]
    #[on(go -> Expired)]
    Held,
    #[timeout("30s" -> Expired)]
    #[on(run -> Expired)]
    Waiting,
    #[timeout(30s -> Expired, resume = later)]
    #[on(move_ -> Expired)]
    Stalled,
    #[terminal]
    Expired,
}

fn main() {}
