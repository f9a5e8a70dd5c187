use statewright::state_machine;

pub struct OrderInfo;

#[state_machine(context = "OrderInfo", hooks = true)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
