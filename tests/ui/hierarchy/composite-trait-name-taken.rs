use statewright::state_machine;

#[state_machine]
#[composite(Stock, initial, on(close -> Closed))]
enum Shop {
    #[initial]
    #[parent(Stock)]
    #[on(sell -> InStock)]
    Empty,
    #[parent(Stock)]
    #[on(sell -> Empty)]
    InStock,
    #[terminal]
    Closed,
}

fn main() {}
