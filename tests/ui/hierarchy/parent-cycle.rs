use statewright::state_machine;

#[state_machine]
#[composite(Outer, initial, parent = Inner)]
#[composite(Inner, initial, parent = Outer, on(stop -> Stopped))]
enum Machine {
    #[initial]
    #[parent(Inner)]
    #[on(go -> Going)]
    Idle,
    #[parent(Inner)]
    #[on(halt -> Idle)]
    Going,
    #[terminal]
    Stopped,
}

fn main() {}
