use statewright::state_machine;

#[state_machine]
enum Player {
    #[initial]
    #[on(play -> Playing)]
    Stopped,
    #[on(pause -> Paused, stop -> Stopped)]
    Playing,
    #[on(play -> Playing, stop -> Stopped)]
    Paused,
}

fn main() {
    // `stop` leads to the same state from several sources; `play` too. Neither is allowed in
    // `Stopped`.
    let _ = player::start().stop();
}
