"""Source generators for one machine written with statewright, by hand and with each peer crate.

Used by `run.py --peers` (compile time) and by `benches/gen_machines.py` (the runtime benchmark's
committed sources), so that both measure the same code for the same machine.

A machine is a `Spec`: its states (PascalCase), its events (snake_case), the initial state and
the transitions `(from, event, to)`. States without transitions are terminal.

Each generator returns Rust items that can be the whole `src/lib.rs` of a crate or the body of
a `mod`: they refer to their own items only by relative paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Exact versions of the peers, the ones benches/Cargo.toml pins (latest on crates.io on
# 2026-11-28 per `cargo info`).
PEER_VERSIONS = {
    "rust-fsm": "0.8.0",
    "smlang": "0.8.0",
    "statig": "0.4.1",
    "finny": "0.3.0",
    "statum": "0.9.0",
}

# kind -> (crate as written in [dependencies], version)
PEER_DEPS = {
    "rust_fsm": ("rust-fsm", PEER_VERSIONS["rust-fsm"]),
    "smlang": ("smlang", PEER_VERSIONS["smlang"]),
    "statig": ("statig", PEER_VERSIONS["statig"]),
    "finny": ("finny", PEER_VERSIONS["finny"]),
    "statum": ("statum", PEER_VERSIONS["statum"]),
}
PEERS = tuple(PEER_DEPS)


@dataclass
class Spec:
    name: str  # PascalCase, the statewright enum's name
    states: list[str]
    events: list[str]  # snake_case
    initial: str
    transitions: list[tuple[str, str, str]]
    doc: str = ""
    _by_state: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        assert self.initial in self.states
        for s in self.states:
            self._by_state[s] = []
        for f, e, t in self.transitions:
            assert f in self.states and t in self.states and e in self.events, (f, e, t)
            assert all(e2 != e for e2, _ in self._by_state[f]), f"{f} handles {e} twice"
            self._by_state[f].append((e, t))

    def leaving(self, state: str) -> list[tuple[str, str]]:
        return self._by_state[state]

    def terminal(self, state: str) -> bool:
        return not self._by_state[state]


def pascal(snake: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


def snake(pascal_name: str) -> str:
    out = []
    for i, c in enumerate(pascal_name):
        if c.isupper() and i > 0 and (not pascal_name[i - 1].isupper() or pascal_name[i - 1].isdigit()):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def statewright(spec: Spec, derive: str = "Debug, Clone, Copy, PartialEq, Eq") -> str:
    lines = ["use statewright::state_machine;", "", "#[state_machine]", f"#[derive({derive})]",
             f"pub enum {spec.name} {{"]
    for s in spec.states:
        if s == spec.initial:
            lines.append("    #[initial]")
        if spec.terminal(s):
            lines.append("    #[terminal]")
        else:
            arms = ", ".join(f"{e} -> {t}" for e, t in spec.leaving(s))
            lines.append(f"    #[on({arms})]")
        lines.append(f"    {s},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def hand(spec: Spec) -> str:
    """The baseline: two enums and one `match`."""
    lines = ["#[derive(Debug, Clone, Copy, PartialEq, Eq)]", "pub enum State {"]
    lines += [f"    {s}," for s in spec.states]
    lines += ["}", "", "#[derive(Debug, Clone, Copy, PartialEq, Eq)]", "pub enum Event {"]
    lines += [f"    {pascal(e)}," for e in spec.events]
    lines += ["}", "", "#[inline]", "pub fn next(state: State, event: Event) -> Option<State> {",
              "    match (state, event) {"]
    for f, e, t in spec.transitions:
        lines.append(f"        (State::{f}, Event::{pascal(e)}) => Some(State::{t}),")
    lines += ["        _ => None,", "    }", "}"]
    return "\n".join(lines) + "\n"


def rust_fsm(spec: Spec, module: str) -> str:
    """`rust_fsm::state_machine!`: a module `module` with `State`, `Input`, `StateMachine`."""
    lines = ["rust_fsm::state_machine! {", "    #[derive(Debug, Clone, Copy, PartialEq, Eq)]",
             f"    pub {module}({spec.initial})", ""]
    for s in spec.states:
        leaving = spec.leaving(s)
        if not leaving:
            continue
        arms = ", ".join(f"{pascal(e)} => {t}" for e, t in leaving)
        lines.append(f"    {s} => {{ {arms} }},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def smlang(spec: Spec) -> str:
    """`smlang::statemachine!`: `States`, `Events`, `StateMachine`, `StateMachineContext`."""
    lines = ["smlang::statemachine! {",
             "    derive_states: [Debug, Clone, Copy],",
             "    derive_events: [Debug, Clone, Copy],",
             "    transitions: {"]
    for f, e, t in spec.transitions:
        star = "*" if f == spec.initial and (f, e, t) == next(
            x for x in spec.transitions if x[0] == spec.initial) else ""
        lines.append(f"        {star}{f} + {pascal(e)} = {t},")
    lines += ["    }", "}", "", "pub struct Context;", "", "impl StateMachineContext for Context {}"]
    return "\n".join(lines) + "\n"


def statig(spec: Spec) -> str:
    """`#[statig::state_machine]` on an impl block: one handler per state."""
    lines = ["use statig::prelude::*;", "", "#[derive(Debug, Clone, Copy, PartialEq, Eq)]",
             "pub enum Event {"]
    lines += [f"    {pascal(e)}," for e in spec.events]
    lines += ["}", "", "#[derive(Default)]", "pub struct Machine;", "",
              f'#[state_machine(initial = "State::{snake(spec.initial)}()", '
              'state(derive(Debug, Clone, Copy, PartialEq, Eq)))]',
              "impl Machine {"]
    for s in spec.states:
        leaving = spec.leaving(s)
        lines.append("    #[state]")
        lines.append(f"    fn {snake(s)}(event: &Event) -> Outcome<State> {{")
        if not leaving:
            lines.append("        let _ = event;")
            lines.append("        Super")
        else:
            lines.append("        match event {")
            for e, t in leaving:
                lines.append(f"            Event::{pascal(e)} => Transition(State::{snake(t)}()),")
            if len(leaving) < len(spec.events):
                lines.append("            _ => Super,")
            lines.append("        }")
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def finny(spec: Spec) -> str:
    """`#[finny_fsm]`: states and events are structs, the machine is built with a builder."""
    lines = ["use finny::decl::{BuiltFsm, FsmBuilder};", "use finny::finny_fsm;", "",
             "#[derive(Default)]", "pub struct Ctx;", ""]
    for s in spec.states:
        lines += ["#[derive(Debug, Default, Clone)]", f"pub struct {s};"]
    lines.append("")
    for e in spec.events:
        lines += ["#[derive(Debug, Clone)]", f"pub struct Ev{pascal(e)};"]
    lines += ["", "#[finny_fsm]", "fn machine_fsm(mut fsm: FsmBuilder<MachineFsm, Ctx>) -> BuiltFsm {",
              f"    fsm.initial_state::<{spec.initial}>();"]
    for s in spec.states:
        lines.append(f"    fsm.state::<{s}>();")
    for f, e, t in spec.transitions:
        if f == t:
            lines.append(f"    fsm.state::<{f}>().on_event::<Ev{pascal(e)}>().self_transition();")
        else:
            lines.append(f"    fsm.state::<{f}>().on_event::<Ev{pascal(e)}>().transition_to::<{t}>();")
    lines += ["    fsm.build()", "}"]
    return "\n".join(lines) + "\n"


def statum(spec: Spec) -> str:
    """`statum`: typestate only; one `#[transition] impl` per state with a method per event."""
    lines = ["use statum::{machine, state, transition};", "", "#[state]", "pub enum MachineState {"]
    lines += [f"    {s}," for s in spec.states]
    lines += ["}", "", "#[machine]", "pub struct Machine<MachineState> {}"]
    for s in spec.states:
        leaving = spec.leaving(s)
        if not leaving:
            continue
        lines += ["", "#[transition]", f"impl Machine<{s}> {{"]
        for e, t in leaving:
            lines.append(f"    pub fn {e}(self) -> Machine<{t}> {{")
            lines.append("        self.transition()")
            lines.append("    }")
        lines.append("}")
    return "\n".join(lines) + "\n"


GENERATORS = {
    "statewright": lambda spec: statewright(spec),
    "baseline": hand,
    "rust_fsm": lambda spec: rust_fsm(spec, "machine"),
    "smlang": smlang,
    "statig": statig,
    "finny": finny,
    "statum": statum,
}


def library_source(kind: str, spec: Spec) -> str:
    return GENERATORS[kind](spec)


def tiny_spec() -> Spec:
    """Two states, for the cold build of a crate that depends on a library."""
    return Spec("Door", ["Closed", "Open"], ["open", "close"], "Closed",
                [("Closed", "open", "Open"), ("Open", "close", "Closed")])


def sized_spec(n: int) -> Spec:
    """The shape of run.py: N states, N events, 4N transitions (see README.md)."""
    states = [f"S{i}" for i in range(n)]
    events = [f"e{i}" for i in range(n)]
    trans = []
    for i in range(n):
        targets = [(i + 1) % n, (i + 2) % n, (i + 7) % n, (i * 3 + 1) % n]
        for k, t in enumerate(targets):
            trans.append((f"S{i}", f"e{(i * 4 + k) % n}", f"S{t}"))
    return Spec("M", states, events, "S0", trans)
