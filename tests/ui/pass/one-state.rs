use statewright::state_machine;

#[state_machine]
enum Done {
    #[initial]
    #[terminal]
    Finished,
}

fn main() {
    let _ = done::start();
}
