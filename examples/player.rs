//! A media player as a statechart: three levels of composite states, transitions declared once
//! on a composite and taken from every state inside it, entry and exit hooks that show the
//! order in which states are left and entered, and a timeout that runs while the player is
//! anywhere inside `Paused`.
//!
//! ```sh
//! cargo run --example player
//! ```

use std::convert::Infallible;

use statewright::{Dynamic, Node, StateInfo, StateMachine, TypedMachine, state_machine};

/// What the player's hooks saw, in order.
#[derive(Debug, Default)]
pub struct Panel {
    pub log: Vec<String>,
}

/// A media player.
#[state_machine(hooks, context = Panel)]
#[composite(Powered, initial, enter, exit, on(power -> Off, eject -> Ejecting),
            doc = "The player has power.")]
#[composite(Loaded, parent = Powered, on(stop -> Stopped), doc = "A disc is in.")]
#[composite(Playing, parent = Loaded, enter, exit, on(pause -> Buffering),
            doc = "Sound is coming out.")]
#[composite(Paused, parent = Loaded, on(play -> Playing), timeout(10min -> Standby),
            doc = "Holding the position; after 10 minutes the player stands by.")]
#[derive(Debug, Clone, PartialEq)]
pub enum Player {
    /// No disc.
    #[initial]
    #[parent(Powered)]
    #[on(insert -> Loaded)]
    Empty,
    /// Opening the tray.
    #[parent(Powered)]
    #[on(closed -> Empty)]
    Ejecting,
    /// At the start of the disc.
    #[initial]
    #[parent(Loaded)]
    #[on(play -> Playing)]
    Stopped,
    /// Playing at normal speed.
    #[initial]
    #[parent(Playing)]
    #[enter]
    #[on(forward -> FastForward, rewind -> Rewinding, next -> Normal)]
    Normal,
    /// Seeking forwards; `play` goes back to normal speed.
    #[parent(Playing)]
    #[on(play -> Normal, rewind -> Rewinding)]
    FastForward,
    /// Seeking backwards.
    #[parent(Playing)]
    #[on(play -> Normal, forward -> FastForward)]
    Rewinding,
    /// Paused, filling the buffer.
    #[initial]
    #[parent(Paused)]
    #[on(filled -> Held)]
    Buffering,
    /// Paused with a full buffer.
    #[parent(Paused)]
    #[on(drain -> Buffering)]
    Held,
    /// Paused for long: the display is off.
    #[parent(Powered)]
    #[on(wake -> Loaded)]
    Standby,
    /// No power.
    #[on(power -> Powered)]
    Off,
}

impl player::Hooks for Panel {
    type Error = Infallible;

    fn enter_powered(&mut self) {
        self.log.push("enter Powered".into());
    }
    fn exit_powered(&mut self) -> Result<(), Infallible> {
        self.log.push("exit Powered".into());
        Ok(())
    }
    fn enter_playing(&mut self) {
        self.log.push("enter Playing".into());
    }
    fn exit_playing(&mut self) -> Result<(), Infallible> {
        self.log.push("exit Playing".into());
        Ok(())
    }
    fn enter_normal(&mut self) {
        self.log.push("enter Normal".into());
    }
    fn on_power(&mut self, from: StateInfo, to: StateInfo) -> Result<(), Infallible> {
        self.log.push(format!("power: {from} -> {to}"));
        Ok(())
    }
}

/// Any state inside `Playing` accepts `pause` (declared on `Playing`) and the events of the
/// composites around it: generic code names the composite's trait.
fn pause<S: player::InPlaying>(machine: player::Machine<S>) -> player::Machine<player::Buffering> {
    machine.pause()
}

fn main() {
    // Typed: each state is a type; inherited events are methods of every state inside.
    let player = player::start(Panel::default()); // in `Empty`, inside `Powered`
    let player = player.insert(); // a transition to `Loaded` enters `Stopped`
    let player = player.play(); // `Normal`, inside `Playing` inside `Loaded`
    let player = player.forward();
    let player = pause(player); // `pause` is declared on `Playing`
    let player = player.filled();
    let player = player.power(); // declared on `Powered`: leaves everything
    println!("typed:\n{}", player.recorder());
    println!("hooks, in order: {:?}\n", player.context().log);

    // Dynamic: the same machine for events that arrive as data; records name states.
    let mut player =
        Dynamic::start_with_context(Player::Empty, Panel::default(), statewright::Memory::new())
            .expect("`Empty` is the initial state");
    for event in [
        player::Event::Insert,
        player::Event::Play,
        player::Event::Rewind,
        player::Event::Eject, // declared on `Powered`, taken from `Rewinding`
        player::Event::Closed,
    ] {
        let record = player.apply(event).expect("allowed");
        println!("{record}");
    }
    let refused = player.apply(player::Event::Filled).unwrap_err();
    println!("{refused}\n");

    // The definition knows the hierarchy.
    let def = Player::DEFINITION;
    for state in def.states() {
        let path: Vec<_> = state.ancestors().map(|c| c.name()).collect();
        if path.is_empty() {
            println!("{:<12} at the top level", state.name());
        } else {
            println!("{:<12} inside {}", state.name(), path.join(" < "));
        }
    }
    let paused = def.composite("Paused").expect("declared");
    let timeout = def
        .state("Held")
        .and_then(|s| s.timeout())
        .expect("inherited");
    assert_eq!(timeout.source(), Node::Composite(paused));
    println!(
        "\n`Held` times out after {:?} into `{}`: the timeout of `{}`, which keeps running while \
         the player moves inside it",
        timeout.after(),
        timeout.to(),
        paused
    );
}
