//! Every benchmarked implementation produces the reference's states, event by event, on short
//! streams (the benchmark binary checks the same on its full streams before timing). Nothing
//! here is timed.

use statewright_benches::{
    Bench, Dyn, Kind, SEED, Spec, Stream, complex, hier, order, stream, tcp, typed,
};

const LEN: usize = 3_000;

fn check_all(spec: &Spec, fresh: bool, drivers: fn(&Stream) -> Vec<Box<dyn Bench>>) {
    for seed in [SEED, 1, 2] {
        let s = stream(spec, LEN, seed, fresh);
        assert!(
            s.illegal > 0,
            "{}: the stream has illegal events",
            spec.name
        );
        assert_eq!(fresh, s.fresh > 0, "{}: fresh machines", spec.name);
        let benches = drivers(&s);
        assert_eq!(benches.len(), 13);
        for kind in [Kind::SwUntimed, Kind::SwAwaited, Kind::SwHooks] {
            assert!(
                benches.iter().any(|b| b.kind() == kind),
                "{}: the {} row is checked",
                spec.name,
                kind.label()
            );
        }
        for b in &benches {
            if let Err(e) = b.check(&s) {
                panic!("{} (seed {seed}): {e}", spec.name);
            }
        }
    }
}

#[test]
fn order_dynamic_implementations_agree_with_the_reference() {
    check_all(&order::SPEC, order::FRESH_PER_RUN, order::drivers);
}

#[test]
fn tcp_dynamic_implementations_agree_with_the_reference() {
    check_all(&tcp::SPEC, tcp::FRESH_PER_RUN, tcp::drivers);
}

#[test]
fn complex_dynamic_implementations_agree_with_the_reference() {
    check_all(&complex::SPEC, complex::FRESH_PER_RUN, complex::drivers);
    assert_eq!(
        (
            complex::SPEC.states.len(),
            complex::SPEC.events.len(),
            complex::SPEC.transitions.len()
        ),
        (50, 50, 50)
    );
}

#[test]
fn the_hierarchical_machine_and_its_hand_flattened_copy_have_the_same_transitions() {
    use statewright::StateMachine;
    hier::check_definitions().unwrap();
    assert_eq!(
        (
            hier::SPEC.states.len(),
            hier::SPEC.events.len(),
            hier::SPEC.transitions.len()
        ),
        (200, 202, 800)
    );
    // 440 transitions written on the leaves, 360 inherited from the composites (10 top, 40
    // sub-composites); the flat copy writes all 800 on its states.
    let inherited =
        |d: &'static statewright::Definition| d.transitions().filter(|t| t.is_inherited()).count();
    assert_eq!(inherited(hier::sw::Chart::DEFINITION), 360);
    assert_eq!(inherited(hier::sw_flat::Chart::DEFINITION), 0);
    assert_eq!(hier::sw::Chart::DEFINITION.composites().count(), 50);
}

#[test]
fn hier_dynamic_implementations_agree_with_the_reference() {
    for seed in [SEED, 1, 2] {
        let s = stream(&hier::SPEC, LEN, seed, hier::FRESH_PER_RUN);
        assert!(s.illegal > 0, "the stream has illegal events");
        let benches = hier::drivers(&s);
        assert_eq!(benches.len(), 5);
        for b in &benches {
            if let Err(e) = b.check(&s) {
                panic!("hier (seed {seed}): {e}");
            }
        }
    }
    let events = stream(&hier::SPEC, LEN, SEED, false).items.len();
    assert_eq!(
        untimed_records::<hier::HierUntimed>(&hier::SPEC, false, |m| &m.0.recorder().0),
        events
    );
}

#[test]
fn typed_implementations_agree_with_the_reference() {
    typed::check_order(&typed::paths(500, typed::ORDER_PATHS.len(), 1)).unwrap();
    typed::check_tcp(&typed::paths(500, typed::TCP_PATHS.len(), 2)).unwrap();
}

/// Runs `M` over a stream and returns its records: one per event, rejected ones included.
fn untimed_records<M: Dyn>(
    spec: &Spec,
    fresh: bool,
    recorder: impl Fn(&M) -> &statewright::Memory,
) -> usize {
    let s = stream(spec, LEN, SEED, fresh);
    let mut m = M::start(s.items.len(), None);
    for item in &s.items {
        match item {
            Some(code) => {
                m.apply(M::event(*code));
            }
            None => m.restart(),
        }
    }
    let records = recorder(&m);
    assert!(
        records.iter().all(|r| r.at().is_none()),
        "{}: an Untimed record carries a time",
        spec.name
    );
    records.len()
}

#[test]
fn untimed_rows_record_every_event_without_a_time() {
    // The `Untimed` rows measure what they claim: every attempt recorded (the recorder is handed
    // over to each fresh order), no wall-clock time in any record.
    let events = |spec: &Spec, fresh: bool| {
        stream(spec, LEN, SEED, fresh)
            .items
            .iter()
            .filter(|i| i.is_some())
            .count()
    };
    assert_eq!(
        untimed_records::<order::SwUntimed>(&order::SPEC, order::FRESH_PER_RUN, |m| &m
            .0
            .recorder()
            .0),
        events(&order::SPEC, order::FRESH_PER_RUN)
    );
    assert_eq!(
        untimed_records::<tcp::SwUntimed>(&tcp::SPEC, tcp::FRESH_PER_RUN, |m| &m.0.recorder().0),
        events(&tcp::SPEC, tcp::FRESH_PER_RUN)
    );
    assert_eq!(
        untimed_records::<complex::SwUntimed>(&complex::SPEC, complex::FRESH_PER_RUN, |m| &m
            .0
            .recorder()
            .0),
        events(&complex::SPEC, complex::FRESH_PER_RUN)
    );
    // The awaited rows too: the same recorder underneath, every attempt through `apply().await`.
    assert_eq!(
        untimed_records::<order::SwAwaited>(&order::SPEC, order::FRESH_PER_RUN, |m| &m
            .0
            .recorder()
            .0
            .0
            .0),
        events(&order::SPEC, order::FRESH_PER_RUN)
    );
    assert_eq!(
        untimed_records::<tcp::SwAwaited>(&tcp::SPEC, tcp::FRESH_PER_RUN, |m| &m
            .0
            .recorder()
            .0
            .0
            .0),
        events(&tcp::SPEC, tcp::FRESH_PER_RUN)
    );
}

#[test]
fn the_tcp_copy_matches_the_shared_machine() {
    // tests/common/tcp.rs is the source of the TCP arcs; the generated copy must not drift.
    use statewright::StateMachine;
    let def = tcp::sw::Tcp::DEFINITION;
    assert_eq!(def.transitions().count(), tcp::SPEC.transitions.len());
    for &(f, e, t) in tcp::SPEC.transitions {
        let from = def.state(tcp::SPEC.states[f as usize]).unwrap();
        let found = from
            .transitions()
            .find(|tr| tr.event().name() == tcp::SPEC.events[e as usize])
            .unwrap();
        assert_eq!(found.to().name(), tcp::SPEC.states[t as usize]);
    }
    let shared = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/common/tcp.rs"
    ))
    .unwrap();
    for &(f, e, t) in tcp::SPEC.transitions {
        let (state, event, to) = (
            tcp::SPEC.states[f as usize],
            tcp::SPEC.events[e as usize],
            tcp::SPEC.states[t as usize],
        );
        let arc = format!("{event} -> {to}");
        let state_block = shared.split(&format!("    {state},")).next().unwrap();
        let on = state_block.rsplit("#[on(").next().unwrap();
        assert!(
            on.contains(&arc),
            "tests/common/tcp.rs: {state} lacks `{arc}`"
        );
    }
}

#[test]
fn sizes_are_printed() {
    assert!(statewright_benches::sizes::render().contains("Dynamic<Order>"));
}
