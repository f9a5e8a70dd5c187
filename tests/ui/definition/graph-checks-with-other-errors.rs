use statewright::state_machine;

// A nondeterministic transition does not hide the graph's mistakes: the unreachable state and
// the state with no way out are reported in the same build.
#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid, pay -> Cancelled)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Cancelled,
    #[on(refund -> Pending)]
    Refunded,
    Stuck,
}

fn main() {}
