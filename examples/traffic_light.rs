//! A cyclic machine with no terminal state, driven by a timer: `cargo run --example traffic_light`.
//!
//! The light runs through its cycle with the typed API, then keeps running for hours with the
//! dynamic API and a bounded `Ring` recorder that keeps only the newest records and counts the
//! ones it dropped, which is how a long-lived machine records without growing.

use statewright::{Dynamic, Ring, TypedMachine, state_machine};

/// A traffic light at a pedestrian crossing.
#[state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    /// Cars stop; pedestrians may cross.
    #[initial]
    #[on(next -> RedAmber)]
    Red,
    /// About to turn green.
    #[on(next -> Green)]
    RedAmber,
    /// Cars go. A pedestrian request shortens the phase.
    #[on(next -> Amber, request -> Amber)]
    Green,
    /// About to turn red.
    #[on(next -> Red)]
    Amber,
}

fn main() {
    println!("== one cycle, typed");
    let light = light::start().next().next();
    // `request` exists only on green:
    let light = light.request().next();
    println!("back to {}", light.state_info().name());
    print!("{}", light.recorder());

    println!("\n== a day of cycles, dynamic, keeping the newest 8 records");
    let mut light = Dynamic::from(light::start_with(Ring::new(8)));
    for tick in 0..10_000u32 {
        let event = if tick % 7 == 3 && light.state() == &Light::Green {
            light::Event::Request
        } else {
            light::Event::Next
        };
        light
            .apply(event)
            .expect("both events are allowed where they are sent");
    }
    // A request on red is refused and recorded; the light keeps its state.
    let refused = light.apply(light::Event::Request).unwrap_err();
    println!("{refused}");
    println!("{} attempts, now {:?}", light.sequence(), light.state());
    print!("{}", light.recorder());
}
