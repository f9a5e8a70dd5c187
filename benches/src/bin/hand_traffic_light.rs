//! Hand-written counterpart of examples/traffic_light.rs, for the binary-size comparison: the
//! same cycle, then 10 000 ticks keeping the newest 8 records in a ring.

use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Light {
    Red,
    RedAmber,
    Green,
    Amber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Next,
    Request,
}

fn next(state: Light, event: Event) -> Option<Light> {
    match (state, event) {
        (Light::Red, Event::Next) => Some(Light::RedAmber),
        (Light::RedAmber, Event::Next) => Some(Light::Green),
        (Light::Green, Event::Next | Event::Request) => Some(Light::Amber),
        (Light::Amber, Event::Next) => Some(Light::Red),
        _ => None,
    }
}

struct Ring {
    records: VecDeque<(u64, Light, Event, Light)>,
    dropped: u64,
}

fn main() {
    let mut ring = Ring {
        records: VecDeque::with_capacity(8),
        dropped: 0,
    };
    let mut state = Light::Red;
    let mut sequence = 0u64;
    let mut apply = |state: &mut Light, event: Event, ring: &mut Ring| -> Result<(), String> {
        sequence += 1;
        let to =
            next(*state, event).ok_or_else(|| format!("cannot apply {event:?} in {state:?}"))?;
        if ring.records.len() == 8 {
            ring.records.pop_front();
            ring.dropped += 1;
        }
        ring.records.push_back((sequence, *state, event, to));
        *state = to;
        Ok(())
    };
    for event in [Event::Next, Event::Next, Event::Request, Event::Next] {
        apply(&mut state, event, &mut ring).unwrap();
    }
    println!("back to {state:?}");
    for tick in 0..10_000u32 {
        let event = if tick % 7 == 3 && state == Light::Green {
            Event::Request
        } else {
            Event::Next
        };
        apply(&mut state, event, &mut ring).unwrap();
    }
    if let Err(e) = apply(&mut state, Event::Request, &mut ring) {
        println!("{e}");
    }
    println!("... {} earlier records dropped", ring.dropped);
    for (s, f, e, t) in &ring.records {
        println!("#{s} {f:?} --{e:?}--> {t:?}");
    }
}
