use statewright::state_machine;

#[state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Light {
    #[initial]
    #[on(next -> Green)]
    Red,
    #[on(next -> Yellow)]
    Green,
    #[on(next -> Red)]
    Yellow,
}

fn main() {
    let m = light::start().next().next().next().next();
    let _: light::Machine<light::Green> = m;
}
