//! A media player: the hierarchical machine whose diagrams are committed under
//! `diagrams/media_player.*` (by `tests/diagrams.rs`) and drawn by the real renderers
//! (`tools/renderers/check.sh`).
//!
//! Three levels of composite states (`On` holds `Loaded`, which holds `Running`), and every
//! way a transition meets a composite: declared on one and leaving it (`On --power--> Off`),
//! declared on one and going to a sibling (`Loaded --eject--> Empty`) or to a state inside it
//! (`Loaded --stop--> Stopped`, which leaves `Loaded` and enters it again), and targeting one
//! (`Paused --play--> Running`, which enters `Playing`), from outside (`Off --power--> On`) and
//! through a guard (`Empty --load--> Loaded`, refused when the disc cannot be read).

use statewright::state_machine;

/// A media player.
#[state_machine]
#[composite(On, on(power -> Off), doc = "Powered on.")]
#[composite(
    Loaded,
    parent = On,
    on(eject -> Empty, stop -> Stopped),
    doc = "A track is loaded."
)]
#[composite(
    Running,
    initial,
    parent = Loaded,
    on(pause -> Paused),
    doc = "The track runs: playing or waiting for data."
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaPlayer {
    /// Powered off.
    #[initial]
    #[on(power -> On, retire -> Retired)]
    Off,
    /// No track loaded.
    #[initial]
    #[parent(On)]
    #[on(load -> Loaded?)]
    Empty,
    /// At the start of the track.
    #[parent(Loaded)]
    #[on(play -> Running)]
    Stopped,
    /// Sound comes out.
    #[initial]
    #[parent(Running)]
    #[on(stall -> Buffering, finish -> Stopped)]
    Playing,
    /// Waiting for data.
    #[parent(Running)]
    #[on(resume -> Playing)]
    Buffering,
    /// Paused mid-track.
    #[parent(Loaded)]
    #[on(play -> Running)]
    Paused,
    /// Taken out of service.
    #[terminal]
    Retired,
}
