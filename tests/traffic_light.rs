//! The cyclic machine of `examples/traffic_light.rs`: every transition, typed and dynamic.

#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/traffic_light.rs"]
mod example;

use example::{Light, light};
use statewright::{Dynamic, Ring, StateMachine, TypedMachine};

#[test]
fn typed_cycles_through_every_transition() {
    let m = light::start().next().next().next().next(); // the long cycle
    let m = m.next().next().request().next(); // the short one
    let lines: Vec<String> = m.recorder().iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "#1 Red --next--> RedAmber",
            "#2 RedAmber --next--> Green",
            "#3 Green --next--> Amber",
            "#4 Amber --next--> Red",
            "#5 Red --next--> RedAmber",
            "#6 RedAmber --next--> Green",
            "#7 Green --request--> Amber",
            "#8 Amber --next--> Red",
        ]
    );
    assert_eq!(
        Light::DEFINITION
            .replay(m.recorder())
            .unwrap()
            .state()
            .name(),
        "Red"
    );
}

#[test]
fn dynamic_runs_forever_in_bounded_memory() {
    let mut d = Dynamic::from(light::start_with(Ring::new(4)));
    for _ in 0..1_000 {
        d.apply(light::Event::Next).unwrap();
    }
    assert_eq!(d.state(), &Light::Red);
    let refused = d.apply(light::Event::Request).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "`Light` cannot apply `request` in state `Red`; allowed: `next`"
    );
    assert_eq!(
        (d.sequence(), d.recorder().len(), d.recorder().dropped()),
        (1_001, 4, 997)
    );
    let newest: Vec<String> = d.recorder().iter().map(ToString::to_string).collect();
    assert_eq!(
        newest,
        [
            "#998 RedAmber --next--> Green",
            "#999 Green --next--> Amber",
            "#1000 Amber --next--> Red",
            "#1001 Red --request--x rejected",
        ]
    );
}

#[test]
fn every_state_allows_what_the_definition_says() {
    for (state, allowed) in [
        (Light::Red, "`next`"),
        (Light::RedAmber, "`next`"),
        (Light::Green, "`next`, `request`"),
        (Light::Amber, "`next`"),
    ] {
        assert_eq!(state.allowed_events().to_string(), allowed, "{state:?}");
    }
    assert!(Light::DEFINITION.states().all(|s| !s.is_terminal()));
}
