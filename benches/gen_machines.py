#!/usr/bin/env python3
"""Writes benches/src/generated.rs: the order, TCP and 50-state "complex" machines written with
statewright, by hand and with each peer, plus the glue that lets the runtime benchmark drive
them all alike; and the `hier` module: a 200-state machine with composite states (three
levels) next to the same machine flattened by hand. The output is committed; rerun this after
changing a machine or a generator:

    python3 benches/gen_machines.py && cargo fmt -p statewright-benches

The per-library code comes from tools/compile-time/peers.py, the same generators the
compile-time benchmark uses, and the hierarchical machine from tools/compile-time/hierarchical.py
(`run.py --hierarchical` compiles the same two machines).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools" / "compile-time"))
sys.dont_write_bytecode = True  # no __pycache__ next to the scripts

import hierarchical  # noqa: E402
import peers  # noqa: E402
from peers import Spec, pascal, snake  # noqa: E402

ORDER = Spec(
    "Order",
    ["Pending", "Paid", "Shipped", "Delivered", "Cancelled"],
    ["pay", "ship", "deliver", "cancel"],
    "Pending",
    [
        ("Pending", "pay", "Paid"),
        ("Pending", "cancel", "Cancelled"),
        ("Paid", "ship", "Shipped"),
        ("Paid", "cancel", "Cancelled"),
        ("Shipped", "deliver", "Delivered"),
    ],
)

# RFC 793, Figure 6, as in tests/common/tcp.rs.
TCP = Spec(
    "Tcp",
    ["Closed", "Listen", "SynSent", "SynReceived", "Established", "FinWait1", "FinWait2",
     "CloseWait", "Closing", "LastAck", "TimeWait"],
    ["passive_open", "active_open", "rcv_syn", "send", "close", "rcv_syn_ack", "rcv_ack_of_syn",
     "rcv_fin", "rcv_ack_of_fin", "timeout"],
    "Closed",
    [
        ("Closed", "passive_open", "Listen"),
        ("Closed", "active_open", "SynSent"),
        ("Listen", "rcv_syn", "SynReceived"),
        ("Listen", "send", "SynSent"),
        ("Listen", "close", "Closed"),
        ("SynSent", "rcv_syn", "SynReceived"),
        ("SynSent", "rcv_syn_ack", "Established"),
        ("SynSent", "close", "Closed"),
        ("SynReceived", "rcv_ack_of_syn", "Established"),
        ("SynReceived", "close", "FinWait1"),
        ("Established", "close", "FinWait1"),
        ("Established", "rcv_fin", "CloseWait"),
        ("FinWait1", "rcv_ack_of_fin", "FinWait2"),
        ("FinWait1", "rcv_fin", "Closing"),
        ("FinWait2", "rcv_fin", "TimeWait"),
        ("CloseWait", "close", "LastAck"),
        ("Closing", "rcv_ack_of_fin", "TimeWait"),
        ("LastAck", "rcv_ack_of_fin", "Closed"),
        ("TimeWait", "timeout", "Closed"),
    ],
)

# The Boost.SML "complex" benchmark's shape: 50 states, 50 events, 50 transitions; state i
# leaves on event i to state i+1 (mod 50), so every state is reachable and none is terminal.
COMPLEX = Spec(
    "Complex",
    [f"S{i}" for i in range(50)],
    [f"e{i}" for i in range(50)],
    "S0",
    [(f"S{i}", f"e{i}", f"S{(i + 1) % 50}") for i in range(50)],
)

MACHINES = [("order", ORDER, True), ("tcp", TCP, False), ("complex", COMPLEX, False)]

# 200 leaves: 10 top composites x 4 sub-composites x 5 leaves (see hierarchical.py).
HIER = hierarchical.chart(200)


def indent(text: str, n: int = 4) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.splitlines()) + "\n"


def spec_consts(spec: Spec) -> str:
    si = {s: i for i, s in enumerate(spec.states)}
    ei = {e: i for i, e in enumerate(spec.events)}
    states = ", ".join(f'"{s}"' for s in spec.states)
    events = ", ".join(f'"{e}"' for e in spec.events)
    table = ", ".join(f"({si[f]}, {ei[e]}, {si[t]})" for f, e, t in spec.transitions)
    return (
        "/// The machine as data: the reference every implementation is checked against.\n"
        "pub static SPEC: crate::Spec = crate::Spec {\n"
        f'    name: "{spec.name}",\n'
        f"    states: &[{states}],\n"
        f"    events: &[{events}],\n"
        f"    initial: {si[spec.initial]},\n"
        f"    transitions: &[{table}],\n"
        "};\n"
    )


def glue(spec: Spec, fresh: bool) -> str:
    """The `Dyn` implementations and the list of drivers for one machine."""
    m = spec.name
    mod = snake(m)
    init = spec.initial
    out = []

    def state_match(expr: str, path: str, wrap=lambda s: s) -> str:
        arms = " ".join(f"{path}{wrap(s)} => {i}," for i, s in enumerate(spec.states))
        if path.startswith("::finny"):
            arms += " ::finny::FsmCurrentState::Stopped => u8::MAX,"
        return f"match {expr} {{ {arms} }}"

    def event_match(path_of) -> str:
        arms = " ".join(f"{i} => {path_of(e)}," for i, e in enumerate(spec.events))
        return f"match code {{ {arms} _ => unreachable!() }}"

    hand_event = event_match(lambda e: f"hand::Event::{pascal(e)}")

    # Hand-written match, with and without records.
    out.append(f"""
/// The baseline: an enum and a `match`, nothing recorded.
pub struct Hand(hand::State);

impl crate::Dyn for Hand {{
    type Event = hand::Event;
    fn event(code: u8) -> hand::Event {{ {hand_event} }}
    fn start(_: usize, _: Option<Self>) -> Self {{ Hand(hand::State::{init}) }}
    fn restart(&mut self) {{ self.0 = hand::State::{init}; }}
    #[inline]
    fn apply(&mut self, event: hand::Event) -> bool {{
        match hand::next(self.0, event) {{
            Some(to) => {{ self.0 = to; true }}
            None => false,
        }}
    }}
    fn state(&self) -> u8 {{ self.0 as u8 }}
}}

/// The baseline plus a record of every attempt, (sequence, from, event, to), pushed into a
/// preallocated `Vec`; a rejected attempt has `to == from` and the top bit of `event` set.
pub struct HandRecord {{ state: hand::State, sequence: u64, log: Vec<crate::HandRecord> }}

impl crate::Dyn for HandRecord {{
    type Event = hand::Event;
    fn event(code: u8) -> hand::Event {{ {hand_event} }}
    fn start(capacity: usize, previous: Option<Self>) -> Self {{
        let mut log = previous.map(|p| p.log).unwrap_or_default();
        log.clear();
        log.reserve(capacity);
        HandRecord {{ state: hand::State::{init}, sequence: 0, log }}
    }}
    fn restart(&mut self) {{ self.state = hand::State::{init}; self.sequence = 0; }}
    #[inline]
    fn apply(&mut self, event: hand::Event) -> bool {{
        let from = self.state;
        self.sequence += 1;
        match hand::next(from, event) {{
            Some(to) => {{
                self.log.push((self.sequence, from as u32, event as u32, to as u32));
                self.state = to;
                true
            }}
            None => {{
                self.log.push((self.sequence, from as u32, event as u32 | crate::REJECTED, from as u32));
                false
            }}
        }}
    }}
    fn state(&self) -> u8 {{ self.state as u8 }}
}}

/// Like `HandRecord`, and each record also carries the wall-clock time, as statewright's
/// records do with the `std` feature.
pub struct HandRecordTime {{ state: hand::State, sequence: u64, log: Vec<crate::HandRecordTime> }}

impl crate::Dyn for HandRecordTime {{
    type Event = hand::Event;
    fn event(code: u8) -> hand::Event {{ {hand_event} }}
    fn start(capacity: usize, previous: Option<Self>) -> Self {{
        let mut log = previous.map(|p| p.log).unwrap_or_default();
        log.clear();
        log.reserve(capacity);
        HandRecordTime {{ state: hand::State::{init}, sequence: 0, log }}
    }}
    fn restart(&mut self) {{ self.state = hand::State::{init}; self.sequence = 0; }}
    #[inline]
    fn apply(&mut self, event: hand::Event) -> bool {{
        let from = self.state;
        self.sequence += 1;
        let (to, applied) = match hand::next(from, event) {{
            Some(to) => (to, true),
            None => (from, false),
        }};
        let flag = if applied {{ 0 }} else {{ crate::REJECTED }};
        self.log.push((self.sequence, from as u32, event as u32 | flag, to as u32, crate::now_nanos()));
        self.state = to;
        applied
    }}
    fn state(&self) -> u8 {{ self.state as u8 }}
}}
""")

    sw_event = event_match(lambda e: f"sw::{mod}::Event::{pascal(e)}")
    sw_state = state_match("self.0.state()", f"sw::{m}::")
    hooks_event = event_match(lambda e: f"sw_hooks::{mod}::Event::{pascal(e)}")
    hooks_state = state_match("self.0.state()", f"sw_hooks::{m}::")
    # statewright dynamic, four recorders.
    out.append(f"""
/// statewright's dynamic API with the default recorder, `Memory`, as `Dynamic::start` makes
/// it: a new, empty one for each machine.
pub struct SwMemory(Dynamic<sw::{m}>);

impl crate::Dyn for SwMemory {{
    type Event = sw::{mod}::Event;
    fn event(code: u8) -> Self::Event {{ {sw_event} }}
    fn start(_: usize, _: Option<Self>) -> Self {{ SwMemory(Dynamic::start(sw::{m}::{init}).unwrap()) }}
    fn restart(&mut self) {{ self.0 = Dynamic::start(sw::{m}::{init}).unwrap(); }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.apply(event).is_ok() }}
    fn state(&self) -> u8 {{ {sw_state} }}
}}

/// statewright's dynamic API recording into a `Memory` with room for every record of the round
/// (`Memory::from` a `Vec` with that capacity, reused across rounds like the hand rows' `Vec`);
/// a new machine takes over the previous one's recorder.
pub struct SwPrealloc(Dynamic<sw::{m}, Memory>);

impl crate::Dyn for SwPrealloc {{
    type Event = sw::{mod}::Event;
    fn event(code: u8) -> Self::Event {{ {sw_event} }}
    fn start(capacity: usize, previous: Option<Self>) -> Self {{
        // The previous round's buffer, emptied: its pages are already mapped, as the hand
        // rows' `Vec` is.
        let mut records = previous.map(|p| p.0.into_parts().2.into_vec()).unwrap_or_default();
        records.clear();
        records.reserve(capacity);
        SwPrealloc(Dynamic::start_with(sw::{m}::{init}, Memory::from(records)).unwrap())
    }}
    fn restart(&mut self) {{
        let placeholder = Dynamic::start_with(sw::{m}::{init}, Memory::new()).unwrap();
        let (_, _, recorder) = core::mem::replace(&mut self.0, placeholder).into_parts();
        self.0 = Dynamic::start_with(sw::{m}::{init}, recorder).unwrap();
    }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.apply(event).is_ok() }}
    fn state(&self) -> u8 {{ {sw_state} }}
}}

/// Like `SwPrealloc` (same reused buffer), wrapped in `Untimed`: the records carry no
/// wall-clock time and the clock is not read. The field is public so that the tests can check
/// that.
pub struct SwUntimed(pub Dynamic<sw::{m}, Untimed<Memory>>);

impl crate::Dyn for SwUntimed {{
    type Event = sw::{mod}::Event;
    fn event(code: u8) -> Self::Event {{ {sw_event} }}
    fn start(capacity: usize, previous: Option<Self>) -> Self {{
        let mut records = previous.map(|p| p.0.into_parts().2.0.into_vec()).unwrap_or_default();
        records.clear();
        records.reserve(capacity);
        SwUntimed(Dynamic::start_with(sw::{m}::{init}, Untimed(Memory::from(records))).unwrap())
    }}
    fn restart(&mut self) {{
        let placeholder = Dynamic::start_with(sw::{m}::{init}, Untimed(Memory::new())).unwrap();
        let (_, _, recorder) = core::mem::replace(&mut self.0, placeholder).into_parts();
        self.0 = Dynamic::start_with(sw::{m}::{init}, recorder).unwrap();
    }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.apply(event).is_ok() }}
    fn state(&self) -> u8 {{ {sw_state} }}
}}

/// Like `SwUntimed` (same recorder underneath), through the awaited API: the recorder is
/// `Awaited(Ready(..))`, an async recorder whose write completes at once, and each `apply`
/// future is polled to completion. What `Dynamic::apply(..).await` costs over the synchronous
/// call when the write itself costs nothing.
pub struct SwAwaited(pub Dynamic<sw::{m}, Awaited<Ready<Untimed<Memory>>>>);

impl crate::Dyn for SwAwaited {{
    type Event = sw::{mod}::Event;
    fn event(code: u8) -> Self::Event {{ {sw_event} }}
    fn start(capacity: usize, previous: Option<Self>) -> Self {{
        let mut records = previous.map(|p| p.0.into_parts().2.0.0.0.into_vec()).unwrap_or_default();
        records.clear();
        records.reserve(capacity);
        SwAwaited(Dynamic::start_with(sw::{m}::{init}, Awaited(Ready(Untimed(Memory::from(records))))).unwrap())
    }}
    fn restart(&mut self) {{
        let placeholder = Dynamic::start_with(sw::{m}::{init}, Awaited(Ready(Untimed(Memory::new())))).unwrap();
        let (_, _, recorder) = core::mem::replace(&mut self.0, placeholder).into_parts();
        self.0 = Dynamic::start_with(sw::{m}::{init}, recorder).unwrap();
    }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ crate::poll_ready(self.0.apply(event)).is_ok() }}
    fn state(&self) -> u8 {{ {sw_state} }}
}}

/// Like `SwUntimed`, for the same machine declared with a (zero-sized) context, an entry and
/// an exit hook on every state and the `hooks` option, all hooks doing nothing: what unused
/// hooks cost.
pub struct SwHooks(pub Dynamic<sw_hooks::{m}, Untimed<Memory>>);

impl crate::Dyn for SwHooks {{
    type Event = sw_hooks::{mod}::Event;
    fn event(code: u8) -> Self::Event {{ {hooks_event} }}
    fn start(capacity: usize, previous: Option<Self>) -> Self {{
        let mut records = previous.map(|p| p.0.into_all_parts().3.0.into_vec()).unwrap_or_default();
        records.clear();
        records.reserve(capacity);
        let recorder = Untimed(Memory::from(records));
        SwHooks(Dynamic::start_with_context(sw_hooks::{m}::{init}, sw_hooks::Ctx, recorder).unwrap())
    }}
    fn restart(&mut self) {{
        let placeholder =
            Dynamic::start_with_context(sw_hooks::{m}::{init}, sw_hooks::Ctx, Untimed(Memory::new())).unwrap();
        let (_, context, _, recorder) = core::mem::replace(&mut self.0, placeholder).into_all_parts();
        self.0 = Dynamic::start_with_context(sw_hooks::{m}::{init}, context, recorder).unwrap();
    }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.apply(event).is_ok() }}
    fn state(&self) -> u8 {{ {hooks_state} }}
}}

/// statewright's dynamic API recording into a `Ring` of the newest 1024 records; a new
/// machine takes over the previous one's ring.
pub struct SwRing(Dynamic<sw::{m}, Ring>);

impl crate::Dyn for SwRing {{
    type Event = sw::{mod}::Event;
    fn event(code: u8) -> Self::Event {{ {sw_event} }}
    fn start(_: usize, previous: Option<Self>) -> Self {{
        drop(previous);
        SwRing(Dynamic::start_with(sw::{m}::{init}, Ring::new(crate::RING)).unwrap())
    }}
    fn restart(&mut self) {{
        let placeholder = Dynamic::start_with(sw::{m}::{init}, Ring::new(0)).unwrap();
        let (_, _, recorder) = core::mem::replace(&mut self.0, placeholder).into_parts();
        self.0 = Dynamic::start_with(sw::{m}::{init}, recorder).unwrap();
    }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.apply(event).is_ok() }}
    fn state(&self) -> u8 {{ {sw_state} }}
}}
""")

    rf_event = event_match(lambda e: f"rust_fsm::machine::Input::{pascal(e)}")
    rf_state = state_match("self.0.state()", "rust_fsm::machine::State::")
    sl_event = event_match(lambda e: f"smlang::Events::{pascal(e)}")
    sl_state = state_match("self.0.state()", "smlang::States::")
    sg_event = event_match(lambda e: f"statig::Event::{pascal(e)}")
    sg_state = state_match("self.0.state()", "statig::State::", lambda s: f"{s} {{}}")
    fy_event = event_match(lambda e: f"finny::Ev{pascal(e)}.into()")
    fy_state = state_match("self.0.get_current_states()[0]",
                           "::finny::FsmCurrentState::State(finny::MachineFsmCurrentState::",
                           lambda s: f"{s})")
    out.append(f"""
/// rust-fsm: `StateMachine::consume`; an illegal input returns `TransitionImpossibleError`.
pub struct RustFsm(rust_fsm::machine::StateMachine);

impl crate::Dyn for RustFsm {{
    type Event = rust_fsm::machine::Input;
    fn event(code: u8) -> Self::Event {{ {rf_event} }}
    fn start(_: usize, _: Option<Self>) -> Self {{ RustFsm(rust_fsm::machine::StateMachine::new()) }}
    fn restart(&mut self) {{ self.0 = rust_fsm::machine::StateMachine::new(); }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.consume(&event).is_ok() }}
    fn state(&self) -> u8 {{ {rf_state} }}
}}

/// smlang: `StateMachine::process_event`; an illegal event returns `Error::InvalidEvent`.
pub struct Smlang(smlang::StateMachine<smlang::Context>);

impl crate::Dyn for Smlang {{
    type Event = smlang::Events;
    fn event(code: u8) -> Self::Event {{ {sl_event} }}
    fn start(_: usize, _: Option<Self>) -> Self {{ Smlang(smlang::StateMachine::new(smlang::Context)) }}
    fn restart(&mut self) {{ self.0 = smlang::StateMachine::new(smlang::Context); }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.process_event(event).is_ok() }}
    fn state(&self) -> u8 {{ {sl_state} }}
}}

/// statig: `handle`; a state that does not handle an event defers it to its (absent)
/// superstate, which ignores it. statig does not report whether an event was handled.
pub struct Statig(::statig::blocking::InitializedStateMachine<statig::Machine>);

impl crate::Dyn for Statig {{
    type Event = statig::Event;
    fn event(code: u8) -> Self::Event {{ {sg_event} }}
    fn start(_: usize, _: Option<Self>) -> Self {{
        use ::statig::blocking::IntoStateMachineExt as _;
        Statig(statig::Machine.uninitialized_state_machine().init())
    }}
    fn restart(&mut self) {{ *self = Self::start(0, None); }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.handle(&event); true }}
    fn state(&self) -> u8 {{ {sg_state} }}
}}

/// finny: `dispatch`; an illegal event returns `FsmError::NoTransition`. Built with
/// `FsmFactory::new` (a `Vec` event queue, no inspection, std timers) and started.
pub struct Finny(crate::FinnyFrontend<finny::MachineFsm>);

impl crate::Dyn for Finny {{
    type Event = <finny::MachineFsm as ::finny::FsmBackend>::Events;
    fn event(code: u8) -> Self::Event {{ {fy_event} }}
    fn start(_: usize, _: Option<Self>) -> Self {{
        use ::finny::FsmFactory as _;
        let mut fsm = finny::MachineFsm::new(finny::Ctx).unwrap();
        fsm.start().unwrap();
        Finny(fsm)
    }}
    fn restart(&mut self) {{ *self = Self::start(0, None); }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.dispatch(event).is_ok() }}
    fn state(&self) -> u8 {{ {fy_state} }}
}}

/// Every implementation of this machine's dynamic dispatch, baseline first.
pub fn drivers(stream: &crate::Stream) -> Vec<Box<dyn crate::Bench>> {{
    vec![
        crate::driver::<Hand>(crate::Kind::Baseline, stream),
        crate::driver::<HandRecord>(crate::Kind::HandRecord, stream),
        crate::driver::<HandRecordTime>(crate::Kind::HandRecordTime, stream),
        crate::driver::<SwMemory>(crate::Kind::SwMemory, stream),
        crate::driver::<SwPrealloc>(crate::Kind::SwPrealloc, stream),
        crate::driver::<SwUntimed>(crate::Kind::SwUntimed, stream),
        crate::driver::<SwAwaited>(crate::Kind::SwAwaited, stream),
        crate::driver::<SwHooks>(crate::Kind::SwHooks, stream),
        crate::driver::<SwRing>(crate::Kind::SwRing, stream),
        crate::driver::<RustFsm>(crate::Kind::RustFsm, stream),
        crate::driver::<Smlang>(crate::Kind::Smlang, stream),
        crate::driver::<Statig>(crate::Kind::Statig, stream),
        crate::driver::<Finny>(crate::Kind::Finny, stream),
    ]
}}

/// Whether a stream for this machine starts a fresh machine after a terminal state.
pub const FRESH_PER_RUN: bool = {str(fresh).lower()};
""")
    return "".join(out)


def sw_hooks(spec: Spec) -> str:
    """The statewright machine with a zero-sized context, `#[enter]` on every state, `#[exit]`
    on every non-terminal one, and an implementation of the hooks that does nothing."""
    lines = ["use statewright::state_machine;", "",
             "/// The context: nothing.", "#[derive(Debug, Clone, Copy, PartialEq, Eq)]",
             "pub struct Ctx;", "",
             "#[state_machine(context = Ctx, hooks)]",
             "#[derive(Debug, Clone, Copy, PartialEq, Eq)]", f"pub enum {spec.name} {{"]
    methods = []
    mod = snake(spec.name)
    for s in spec.states:
        if s == spec.initial:
            lines.append("    #[initial]")
        lines.append("    #[enter]")
        methods.append(f"    fn enter_{snake(s)}(&mut self) {{}}")
        if spec.terminal(s):
            lines.append("    #[terminal]")
        else:
            lines.append("    #[exit]")
            methods.append(f"    fn exit_{snake(s)}(&mut self) -> Result<(), Self::Error> {{ Ok(()) }}")
            arms = ", ".join(f"{e} -> {t}" for e, t in spec.leaving(s))
            lines.append(f"    #[on({arms})]")
        lines.append(f"    {s},")
    lines.append("}")
    lines += ["", f"impl {mod}::Hooks for Ctx {{", "    type Error = core::convert::Infallible;"]
    lines += methods
    lines.append("}")
    return "\n".join(lines) + "\n"


def module(name: str, spec: Spec, fresh: bool) -> str:
    body = [
        "#![allow(missing_docs, clippy::all, clippy::pedantic)]",
        "use statewright::awaited::Ready;",
        "use statewright::{Awaited, Dynamic, Memory, Ring, Untimed};",
        "",
        spec_consts(spec),
        "/// statewright.",
        "pub mod sw {\n" + indent(peers.statewright(spec)) + "}",
        "/// statewright with a context and hooks that do nothing.",
        "pub mod sw_hooks {\n" + indent(sw_hooks(spec)) + "}",
        "/// The hand-written enum and `match`.",
        "pub mod hand {\n" + indent(peers.hand(spec)) + "}",
        "/// rust-fsm.",
        "pub mod rust_fsm {\n" + indent(peers.rust_fsm(spec, "machine")) + "}",
        "/// smlang.",
        "pub mod smlang {\n" + indent(peers.smlang(spec)) + "}",
        "/// statig.",
        "pub mod statig {\n" + indent(peers.statig(spec)) + "}",
        "/// finny.",
        "pub mod finny {\n" + indent(peers.finny(spec)) + "}",
    ]
    if name != "complex":
        body += ["/// statum (typestate only: used by the typed benchmark).",
                 "pub mod statum {\n" + indent(peers.statum(spec)) + "}"]
    body.append(glue(spec, fresh))
    return f"/// The {spec.name} machine.\npub mod {name} {{\n" + indent("\n".join(body)) + "}\n"


def untimed_driver(struct: str, doc: str, module: str, spec: Spec, timed: bool) -> str:
    """A driver for the statewright machine in `module` recording into a `Memory` with room for
    every record of the round (reused across rounds), untimed unless `timed`."""
    m, init = spec.name, spec.initial
    event = "match code { " + " ".join(
        f"{i} => {module}::{snake(m)}::Event::{pascal(e)}," for i, e in enumerate(spec.events)
    ) + " _ => unreachable!() }"
    state = "match self.0.state() { " + " ".join(
        f"{module}::{m}::{s} => {i}," for i, s in enumerate(spec.states)) + " }"
    recorder = "Memory" if timed else "Untimed<Memory>"
    wrap = (lambda x: x) if timed else (lambda x: f"Untimed({x})")
    into_vec = ".2.into_vec()" if timed else ".2.0.into_vec()"
    return f"""
/// {doc}
pub struct {struct}(pub Dynamic<{module}::{m}, {recorder}>);

impl crate::Dyn for {struct} {{
    type Event = {module}::{snake(m)}::Event;
    fn event(code: u8) -> Self::Event {{ {event} }}
    fn start(capacity: usize, previous: Option<Self>) -> Self {{
        let mut records = previous.map(|p| p.0.into_parts(){into_vec}).unwrap_or_default();
        records.clear();
        records.reserve(capacity);
        {struct}(Dynamic::start_with({module}::{m}::{init}, {wrap("Memory::from(records)")}).unwrap())
    }}
    fn restart(&mut self) {{
        let placeholder = Dynamic::start_with({module}::{m}::{init}, {wrap("Memory::new()")}).unwrap();
        let (_, _, recorder) = core::mem::replace(&mut self.0, placeholder).into_parts();
        self.0 = Dynamic::start_with({module}::{m}::{init}, recorder).unwrap();
    }}
    #[inline]
    fn apply(&mut self, event: Self::Event) -> bool {{ self.0.apply(event).is_ok() }}
    fn state(&self) -> u8 {{ {state} }}
}}
"""


def hier_module(chart: hierarchical.Chart) -> str:
    """The `hier` module: the hierarchical machine (`sw`), the same machine flattened by hand
    (`sw_flat`), the hand-written match (`hand`), their drivers and the check that the two
    statewright definitions have the same transitions."""
    spec = chart.flatten()
    m = spec.name
    hand_event = "match code { " + " ".join(
        f"{i} => hand::Event::{pascal(e)}," for i, e in enumerate(spec.events)
    ) + " _ => unreachable!() }"
    body = [
        "#![allow(missing_docs, clippy::all, clippy::pedantic)]",
        "use statewright::{Dynamic, Memory, Untimed};",
        "",
        spec_consts(spec),
        f"/// statewright, with composite states: {hierarchical.describe(len(chart.leaves))}.",
        "pub mod sw {\n" + indent(hierarchical.statewright(chart)) + "}",
        "/// statewright, the same machine flattened by hand: every inherited transition written "
        "on each state.",
        "pub mod sw_flat {\n" + indent(peers.statewright(spec)) + "}",
        "/// The hand-written enum and `match`.",
        "pub mod hand {\n" + indent(peers.hand(spec)) + "}",
        f"""
/// The hand-written match, nothing recorded.
pub struct Hand(hand::State);

impl crate::Dyn for Hand {{
    type Event = hand::Event;
    fn event(code: u8) -> hand::Event {{ {hand_event} }}
    fn start(_: usize, _: Option<Self>) -> Self {{ Hand(hand::State::{spec.initial}) }}
    fn restart(&mut self) {{ self.0 = hand::State::{spec.initial}; }}
    #[inline]
    fn apply(&mut self, event: hand::Event) -> bool {{
        match hand::next(self.0, event) {{
            Some(to) => {{ self.0 = to; true }}
            None => false,
        }}
    }}
    fn state(&self) -> u8 {{ self.0 as u8 }}
}}
""",
        untimed_driver("FlatUntimed", "The machine flattened by hand, `Untimed(Memory)` with room "
                       "for the round's records.", "sw_flat", spec, False),
        untimed_driver("HierUntimed", "The hierarchical machine, `Untimed(Memory)` with room for "
                       "the round's records.", "sw", spec, False),
        untimed_driver("FlatPrealloc", "The machine flattened by hand, `Memory` (timestamped) with "
                       "room for the round's records.", "sw_flat", spec, True),
        untimed_driver("HierPrealloc", "The hierarchical machine, `Memory` (timestamped) with room "
                       "for the round's records.", "sw", spec, True),
        f"""
/// Checks that the hierarchical machine and the machine flattened by hand have the same
/// states, initial state and transitions (by name, in order), and that both are `SPEC`; the
/// benchmark runs it before timing, the tests too.
pub fn check_definitions() -> Result<(), String> {{
    let hier = <sw::{m} as statewright::StateMachine>::DEFINITION;
    let flat = <sw_flat::{m} as statewright::StateMachine>::DEFINITION;
    let names = |d: &'static statewright::Definition| {{
        d.transitions()
            .map(|t| (t.from().name(), t.event().name(), t.to().name()))
            .collect::<Vec<_>>()
    }};
    let states = |d: &'static statewright::Definition| d.states().map(|s| s.name()).collect::<Vec<_>>();
    let spec: Vec<_> = SPEC
        .transitions
        .iter()
        .map(|&(f, e, t)| (SPEC.states[f as usize], SPEC.events[e as usize], SPEC.states[t as usize]))
        .collect();
    if !hier.is_hierarchical() || flat.is_hierarchical() {{
        return Err("the hierarchical machine has no composites, or the flat one has".into());
    }}
    if states(hier) != SPEC.states || states(flat) != SPEC.states {{
        return Err("the states differ".into());
    }}
    if hier.initial().name() != flat.initial().name() || flat.initial().name() != SPEC.states[SPEC.initial as usize] {{
        return Err("the initial states differ".into());
    }}
    let (h, f) = (names(hier), names(flat));
    if let Some(i) = (0..h.len().max(f.len())).find(|&i| h.get(i) != f.get(i)) {{
        return Err(format!(
            "transition {{i}} differs: hierarchical {{:?}}, flattened {{:?}}", h.get(i), f.get(i)
        ));
    }}
    if f != spec {{
        return Err("the flattened machine is not SPEC".into());
    }}
    if hier.transitions().any(|t| t.is_guarded() || t.timeout().is_some()) {{
        return Err("a transition is guarded or timed".into());
    }}
    Ok(())
}}

/// The rows of the table, the machine flattened by hand first (the ratios are to it).
pub fn drivers(stream: &crate::Stream) -> Vec<Box<dyn crate::Bench>> {{
    vec![
        crate::driver::<FlatUntimed>(crate::Kind::FlatUntimed, stream),
        crate::driver::<HierUntimed>(crate::Kind::HierUntimed, stream),
        crate::driver::<FlatPrealloc>(crate::Kind::FlatPrealloc, stream),
        crate::driver::<HierPrealloc>(crate::Kind::HierPrealloc, stream),
        crate::driver::<Hand>(crate::Kind::HandMatch, stream),
    ]
}}

/// No state is terminal: one machine for the whole stream.
pub const FRESH_PER_RUN: bool = false;
""",
    ]
    return (f"/// The {len(chart.leaves)}-state machine with composite states, and the same machine "
            "flattened by hand.\npub mod hier {\n" + indent("\n".join(body)) + "}\n")


def main() -> None:
    parts = [
        "// @generated by benches/gen_machines.py from tools/compile-time/peers.py and\n",
        "// tools/compile-time/hierarchical.py; do not edit.\n",
        "// Regenerate with `python3 benches/gen_machines.py && cargo fmt -p statewright-benches`.\n\n",
    ]
    for name, spec, fresh in MACHINES:
        parts.append(module(name, spec, fresh))
        parts.append("\n")
    parts.append(hier_module(HIER))
    (HERE / "src" / "generated.rs").write_text("".join(parts))
    print(f"wrote {HERE / 'src' / 'generated.rs'}")


if __name__ == "__main__":
    main()
