use statewright::state_machine;

// Without a context, the hooks are implemented for `()`.
#[state_machine]
enum Light {
    #[initial]
    #[on(switch -> On)]
    Off,
    #[enter]
    #[on(switch -> Off)]
    On,
}

fn main() {
    let _ = light::start();
}
