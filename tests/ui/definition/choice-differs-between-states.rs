use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid | Declined)]
    Pending,
    #[on(pay -> Paid, cancel -> Cancelled)]
    Declined,
    #[on(refund -> Refunded?)]
    Paid,
    #[on(refund -> Refunded)]
    Cancelled,
    #[terminal]
    Refunded,
}

fn main() {}
