use statewright::state_machine;

#[state_machine]
enum Switch {
    #[initial]
    #[on(flip -> On)]
    Off,
    #[terminal]
    On,
}

fn main() {
    let _: switch::Machine<switch::On> = switch::start().flip();
}
