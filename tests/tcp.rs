//! The TCP machine of RFC 793, Figure 6 (`tests/common/tcp.rs`, also run by `examples/tcp.rs`):
//! its definition, a typed walk through every arc, and every (state, event) pair through the
//! dynamic API.

mod common;

use std::collections::{BTreeSet, VecDeque};

use common::tcp::{Tcp, tcp};
use common::{TCP_EVENTS, TCP_STATES, TCP_TRANSITIONS, tcp_event, tcp_state};
use statewright::{Cause, Memory, Outcome, StateMachine, TypedMachine};

// ---------------------------------------------------------------------------------------------
// (a) The definition
// ---------------------------------------------------------------------------------------------

#[test]
fn definition_prints_the_figure_arcs_in_declaration_order() {
    assert_eq!(
        Tcp::DEFINITION.to_string(),
        "Tcp (initial: Closed)
  Closed --passive_open--> Listen
  Closed --active_open--> SynSent
  Listen --rcv_syn--> SynReceived
  Listen --send--> SynSent
  Listen --close--> Closed
  SynSent --rcv_syn--> SynReceived
  SynSent --rcv_syn_ack--> Established
  SynSent --close--> Closed
  SynReceived --rcv_ack_of_syn--> Established
  SynReceived --close--> FinWait1
  Established --close--> FinWait1
  Established --rcv_fin--> CloseWait
  FinWait1 --rcv_ack_of_fin--> FinWait2
  FinWait1 --rcv_fin--> Closing
  FinWait2 --rcv_fin--> TimeWait
  CloseWait --close--> LastAck
  Closing --rcv_ack_of_fin--> TimeWait
  LastAck --rcv_ack_of_fin--> Closed
  TimeWait --timeout--> Closed
"
    );
}

#[test]
fn definition_has_the_11_states_10_events_and_19_arcs_of_the_table() {
    let def = Tcp::DEFINITION;
    assert_eq!(def.name(), "Tcp");

    let states: Vec<&str> = def.states().map(|s| s.name()).collect();
    assert_eq!(states, TCP_STATES);
    assert_eq!(states.len(), 11);

    let events: Vec<&str> = def.events().map(|e| e.name()).collect();
    assert_eq!(events, TCP_EVENTS);

    let transitions: Vec<(&str, &str, &str)> = def
        .transitions()
        .map(|t| (t.from().name(), t.event().name(), t.to().name()))
        .collect();
    assert_eq!(transitions, TCP_TRANSITIONS);
    assert_eq!(transitions.len(), 19);

    assert_eq!(def.initial().name(), "Closed");
    for state in def.states() {
        assert_eq!(
            state.is_initial(),
            state.name() == "Closed",
            "{}",
            state.name()
        );
        assert!(!state.is_terminal(), "{} is terminal", state.name());
    }
}

#[test]
fn the_table_is_deterministic_and_every_state_has_a_way_out() {
    let pairs: BTreeSet<(&str, &str)> = TCP_TRANSITIONS.iter().map(|&(f, e, _)| (f, e)).collect();
    assert_eq!(
        pairs.len(),
        TCP_TRANSITIONS.len(),
        "a (state, event) pair twice"
    );
    for &state in TCP_STATES {
        assert!(
            TCP_TRANSITIONS.iter().any(|&(from, _, _)| from == state),
            "{state} has no way out"
        );
    }
}

#[test]
fn every_state_is_documented_with_its_rfc_name() {
    let rfc_names = [
        ("Closed", "CLOSED"),
        ("Listen", "LISTEN"),
        ("SynSent", "SYN-SENT"),
        ("SynReceived", "SYN-RECEIVED"),
        ("Established", "ESTABLISHED"),
        ("FinWait1", "FIN-WAIT-1"),
        ("FinWait2", "FIN-WAIT-2"),
        ("CloseWait", "CLOSE-WAIT"),
        ("Closing", "CLOSING"),
        ("LastAck", "LAST-ACK"),
        ("TimeWait", "TIME-WAIT"),
    ];
    for (state, rfc) in rfc_names {
        let info = Tcp::DEFINITION.state(state).unwrap();
        assert!(
            info.doc().starts_with(&format!("{rfc}: ")),
            "{state}: {:?}",
            info.doc()
        );
    }
}

#[test]
fn the_hand_written_names_match_the_generated_types() {
    for &state in TCP_STATES {
        assert_eq!(tcp_state(state).state_info().name(), state);
    }
    for &event in TCP_EVENTS {
        assert_eq!(tcp_event(event).name(), event);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Typed walks that together take every arc
// ---------------------------------------------------------------------------------------------

/// A client: active open (three-way handshake), active close, TIME-WAIT timeout.
fn client_active_open_and_close() -> Memory {
    let m: tcp::Machine<tcp::Closed> = tcp::start()
        .active_open()
        .rcv_syn_ack()
        .close()
        .rcv_ack_of_fin()
        .rcv_fin()
        .timeout();
    m.into_parts().2
}

/// A server: passive open, the peer closes first (passive close).
fn server_passive_open_and_close() -> Memory {
    let m: tcp::Machine<tcp::Closed> = tcp::start()
        .passive_open()
        .rcv_syn()
        .rcv_ack_of_syn()
        .rcv_fin()
        .close()
        .rcv_ack_of_fin();
    m.into_parts().2
}

/// Both ends open at once (SYN-SENT receives a SYN), then both close at once (FIN-WAIT-1
/// receives a FIN: CLOSING).
fn simultaneous_open_and_close() -> Memory {
    let m: tcp::Machine<tcp::Closed> = tcp::start()
        .active_open()
        .rcv_syn()
        .close()
        .rcv_fin()
        .rcv_ack_of_fin()
        .timeout();
    m.into_parts().2
}

/// Giving up before a connection exists: close from LISTEN, then SEND from LISTEN (which turns
/// the passive open into an active one) and close from SYN-SENT.
fn closing_before_a_connection() -> Memory {
    let m: tcp::Machine<tcp::Closed> = tcp::start()
        .passive_open()
        .close()
        .passive_open()
        .send()
        .close();
    m.into_parts().2
}

#[test]
fn typed_client_walk() {
    assert_eq!(
        client_active_open_and_close().to_string(),
        "#1 Closed --active_open--> SynSent
#2 SynSent --rcv_syn_ack--> Established
#3 Established --close--> FinWait1
#4 FinWait1 --rcv_ack_of_fin--> FinWait2
#5 FinWait2 --rcv_fin--> TimeWait
#6 TimeWait --timeout--> Closed
"
    );
}

#[test]
fn typed_server_walk() {
    assert_eq!(
        server_passive_open_and_close().to_string(),
        "#1 Closed --passive_open--> Listen
#2 Listen --rcv_syn--> SynReceived
#3 SynReceived --rcv_ack_of_syn--> Established
#4 Established --rcv_fin--> CloseWait
#5 CloseWait --close--> LastAck
#6 LastAck --rcv_ack_of_fin--> Closed
"
    );
}

#[test]
fn typed_simultaneous_walk() {
    assert_eq!(
        simultaneous_open_and_close().to_string(),
        "#1 Closed --active_open--> SynSent
#2 SynSent --rcv_syn--> SynReceived
#3 SynReceived --close--> FinWait1
#4 FinWait1 --rcv_fin--> Closing
#5 Closing --rcv_ack_of_fin--> TimeWait
#6 TimeWait --timeout--> Closed
"
    );
}

#[test]
fn typed_early_close_walk() {
    assert_eq!(
        closing_before_a_connection().to_string(),
        "#1 Closed --passive_open--> Listen
#2 Listen --close--> Closed
#3 Closed --passive_open--> Listen
#4 Listen --send--> SynSent
#5 SynSent --close--> Closed
"
    );
}

#[test]
fn typed_walks_take_every_arc_and_replay() {
    let walks = [
        client_active_open_and_close(),
        server_passive_open_and_close(),
        simultaneous_open_and_close(),
        closing_before_a_connection(),
    ];
    let mut taken = BTreeSet::new();
    for walk in &walks {
        let replayed = Tcp::DEFINITION.replay(walk.records()).unwrap();
        assert_eq!(replayed.state().name(), "Closed");
        assert_eq!(replayed.rejected(), 0);
        for r in walk.records() {
            assert_eq!(r.outcome(), Outcome::Applied);
            taken.insert((r.from().name(), r.event().name(), r.to().name()));
        }
    }
    let all: BTreeSet<(&str, &str, &str)> = TCP_TRANSITIONS.iter().copied().collect();
    assert_eq!(taken, all);
}

// ---------------------------------------------------------------------------------------------
// (c) Every (state, event) pair through the dynamic API
// ---------------------------------------------------------------------------------------------

/// The events of a shortest path from `Closed` to `target`, found in the table.
fn path_to(target: &str) -> Vec<&'static str> {
    let mut paths: Vec<(&str, Vec<&'static str>)> = vec![("Closed", Vec::new())];
    let mut queue = VecDeque::from([0]);
    while let Some(i) = queue.pop_front() {
        let (state, path) = paths[i].clone();
        if state == target {
            return path;
        }
        for &(from, event, to) in TCP_TRANSITIONS {
            if from == state && !paths.iter().any(|(s, _)| *s == to) {
                let mut next = path.clone();
                next.push(event);
                paths.push((to, next));
                queue.push_back(paths.len() - 1);
            }
        }
    }
    panic!("{target} is unreachable in the table");
}

/// Where `event` leads from `state` according to the table, or `None` when it is not allowed.
fn tcp_target(state: &str, event: &str) -> Option<&'static str> {
    TCP_TRANSITIONS
        .iter()
        .find(|&&(from, e, _)| from == state && e == event)
        .map(|&(_, _, to)| to)
}

/// A dynamic machine that walked from `Closed` to `state`.
fn dynamic_in(state: &str) -> tcp::Dynamic {
    let mut d = tcp::Dynamic::from(tcp::start());
    for event in path_to(state) {
        d.apply(tcp_event(event)).unwrap();
    }
    assert_eq!(d.state(), &tcp_state(state));
    d
}

/// `` `a`, `b` `` for the events the table allows in `state`, in declaration order.
fn allowed_list(state: &str) -> String {
    let allowed: Vec<String> = TCP_TRANSITIONS
        .iter()
        .filter(|&&(from, _, _)| from == state)
        .map(|&(_, event, _)| format!("`{event}`"))
        .collect();
    allowed.join(", ")
}

#[test]
fn every_state_event_pair_applies_or_is_rejected_as_the_table_says() {
    let mut applied_pairs = 0;
    let mut rejected_pairs = 0;
    for &state in TCP_STATES {
        let mut applies = BTreeSet::new();
        for &name in TCP_EVENTS {
            let mut d = dynamic_in(state);
            let history = d.recorder().to_string();
            let sequence = d.sequence() + 1;
            let event = tcp_event(name);
            let expected = tcp_target(state, name);
            assert_eq!(d.can_apply(&event), expected.is_some(), "{state} + {name}");

            let line = match (expected, d.apply(event)) {
                (Some(to), Ok(record)) => {
                    applied_pairs += 1;
                    applies.insert(name);
                    let line = format!("#{sequence} {state} --{name}--> {to}");
                    assert_eq!(record.to_string(), line);
                    assert_eq!(record.sequence(), sequence);
                    assert_eq!(record.from().name(), state);
                    assert_eq!(record.event().name(), name);
                    assert_eq!(record.to().name(), to);
                    assert_eq!(record.outcome(), Outcome::Applied);
                    assert_eq!(d.recorder().last(), Some(&record));
                    assert_eq!(d.state(), &tcp_state(to));
                    line
                }
                (None, Err(rejection)) => {
                    rejected_pairs += 1;
                    assert!(rejection.is_illegal());
                    assert_eq!(rejection.cause(), &Cause::Illegal);
                    assert_eq!(rejection.state().name(), state);
                    assert_eq!(rejection.event_name(), name);
                    assert_eq!(
                        rejection.to_string(),
                        format!(
                            "`Tcp` cannot apply `{name}` in state `{state}`; allowed: {}",
                            allowed_list(state)
                        )
                    );
                    assert_eq!(rejection.into_event(), event);
                    assert_eq!(d.state(), &tcp_state(state));
                    let record = d.recorder().last().unwrap();
                    assert_eq!(record.outcome(), Outcome::Rejected);
                    assert_eq!(record.to().name(), state);
                    format!("#{sequence} {state} --{name}--x rejected")
                }
                (expected, got) => {
                    panic!("{state} + {name}: the table says {expected:?}, the machine {got:?}")
                }
            };
            assert_eq!(d.sequence(), sequence);
            assert_eq!(d.recorder().to_string(), format!("{history}{line}\n"));
            let replayed = Tcp::DEFINITION.replay(d.recorder().records()).unwrap();
            assert_eq!(replayed.state().name(), d.state_info().name());
        }

        let d = dynamic_in(state);
        let allowed: BTreeSet<&str> = d.allowed_events().map(|e| e.name()).collect();
        assert_eq!(allowed, applies, "allowed events in {state}");
        let in_order: Vec<String> = d
            .allowed_events()
            .map(|e| format!("`{}`", e.name()))
            .collect();
        assert_eq!(in_order.join(", "), allowed_list(state));
        assert_eq!(d.into_typed().state_info().name(), state);
    }
    assert_eq!(applied_pairs, 19);
    assert_eq!(rejected_pairs, 11 * 10 - 19);
}
