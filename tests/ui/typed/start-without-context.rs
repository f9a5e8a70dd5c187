use statewright::state_machine;

pub struct OrderInfo {
    pub id: u64,
}

#[state_machine(context = OrderInfo)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {
    let _ = order::start();
}
