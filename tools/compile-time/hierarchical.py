"""A hierarchical machine (`#[composite(...)]`) and the same machine flattened by hand.

Used by `run.py --hierarchical` (compile time) and by `benches/gen_machines.py` (the runtime
benchmark's `hier` module), so that both measure the same two machines.

The shape, for N leaves (N a multiple of 20): N/20 top composites `Top{t}`, each with 4
sub-composites `Sub{s}` (s = 4t + u, numbered across the machine), each with 5 leaves
`L{i}` (i = 5s + j), three levels in all. The leaves are the enum's variants; all of them
are inside a sub-composite and none is terminal. Leaf i, sub-composite s, top composite t:

- leaf i: `e{2i mod N} -> L{i+1}`, `e{2i+1 mod N} -> L{i+7}` (mod N); the last leaf of each
  sub-composite (j = 4) also `next_sub -> L{i-4}`, back to the first leaf of its
  sub-composite, overriding its sub-composite's `next_sub`;
- sub-composite s: `next_sub -> Sub{4t + (u+1) mod 4}` (the next sibling, a composite target:
  its initial leaf); the last sub-composite of each top composite (u = 3) also
  `next_top -> Top{t-1}` (mod N/20), overriding its top composite's `next_top`;
- top composite t: `next_top -> Top{t+1}` (mod N/20).

The first child at each level is `initial`, so a transition to `Top{t}` enters
`L{20t}` and one to `Sub{s}` enters `L{5s}`. Every leaf ends up with exactly 4 transitions
(2 or 3 of its own, 1 or 2 inherited), 4N in all, as the flat machine of `run.py` has; N + 2
events (`e0..e{N-1}`, `next_sub`, `next_top`), each `e` leaving 2 leaves.

`flatten` computes the flat table with the semantics the macro documents (a state's own
transitions first, then each composite's, innermost first, for the events not yet handled; a
composite target replaced by the state its initial children lead to), independently of the
macro: the benchmark checks that the macro's `Definition::transitions()` of the hierarchical
machine is this table, transition for transition.
"""

from __future__ import annotations

from dataclasses import dataclass

from peers import Spec

SUBS_PER_TOP = 4
LEAVES_PER_SUB = 5
LEAVES_PER_TOP = SUBS_PER_TOP * LEAVES_PER_SUB


@dataclass
class Node:
    name: str
    parent: str | None  # a composite's name, None at the top level
    initial: bool  # initial among its siblings
    on: list[tuple[str, str]]  # (event, target) as declared on this node, in order


@dataclass
class Chart:
    name: str
    composites: list[Node]  # in declaration order, parents before children
    leaves: list[Node]  # the enum's variants, in declaration order

    def composite_names(self) -> set[str]:
        return {c.name for c in self.composites}

    def by_name(self) -> dict[str, Node]:
        return {n.name: n for n in self.composites + self.leaves}

    def entry_leaf(self, target: str) -> str:
        """The leaf a transition to `target` enters: itself, or its initial children's."""
        composites = self.composite_names()
        while target in composites:
            children = [n for n in self.leaves + self.composites if n.parent == target]
            target = next(n for n in children if n.initial).name
        return target

    def ancestors(self, name: str) -> list[Node]:
        """The composites `name` is inside, innermost first."""
        nodes = self.by_name()
        out, parent = [], nodes[name].parent
        while parent is not None:
            out.append(nodes[parent])
            parent = nodes[parent].parent
        return out

    def flatten(self) -> Spec:
        """The same machine written flat: every leaf with its own and its inherited transitions."""
        transitions, events = [], []
        for leaf in self.leaves:
            handled: set[str] = set()
            for node in [leaf, *self.ancestors(leaf.name)]:
                for event, target in node.on:
                    if event in handled:
                        continue
                    handled.add(event)
                    transitions.append((leaf.name, event, self.entry_leaf(target)))
                    if event not in events:
                        events.append(event)
        initial = self.entry_leaf(next(n for n in self.composites + self.leaves
                                       if n.parent is None and n.initial).name)
        return Spec(self.name, [leaf.name for leaf in self.leaves], events, initial, transitions)


def chart(n: int, name: str = "Chart") -> Chart:
    """The hierarchical machine with `n` leaves (see the module docs)."""
    if n < LEAVES_PER_TOP or n % LEAVES_PER_TOP:
        raise ValueError(f"the hierarchical machine needs a multiple of {LEAVES_PER_TOP} leaves, "
                         f"not {n}")
    tops = n // LEAVES_PER_TOP
    composites, subs = [], []
    for t in range(tops):
        composites.append(Node(f"Top{t}", None, t == 0, [("next_top", f"Top{(t + 1) % tops}")]))
    for t in range(tops):
        for u in range(SUBS_PER_TOP):
            on = [("next_sub", f"Sub{SUBS_PER_TOP * t + (u + 1) % SUBS_PER_TOP}")]
            if u == SUBS_PER_TOP - 1:
                on.append(("next_top", f"Top{(t - 1) % tops}"))
            subs.append(Node(f"Sub{SUBS_PER_TOP * t + u}", f"Top{t}", u == 0, on))
    leaves = []
    for i in range(n):
        s, j = divmod(i, LEAVES_PER_SUB)
        on = [(f"e{2 * i % n}", f"L{(i + 1) % n}"), (f"e{(2 * i + 1) % n}", f"L{(i + 7) % n}")]
        if j == LEAVES_PER_SUB - 1:
            on.append(("next_sub", f"L{i - j}"))
        leaves.append(Node(f"L{i}", f"Sub{s}", j == 0, on))
    return Chart(name, composites + subs, leaves)


def statewright(c: Chart, derive: str = "Debug, Clone, Copy, PartialEq, Eq") -> str:
    """The hierarchical machine under `#[state_machine]`."""
    lines = ["use statewright::state_machine;", "", "#[state_machine]"]
    for comp in c.composites:
        parts = [comp.name]
        if comp.initial:
            parts.append("initial")
        if comp.parent is not None:
            parts.append(f"parent = {comp.parent}")
        if comp.on:
            parts.append("on(" + ", ".join(f"{e} -> {t}" for e, t in comp.on) + ")")
        lines.append(f"#[composite({', '.join(parts)})]")
    lines += [f"#[derive({derive})]", f"pub enum {c.name} {{"]
    for leaf in c.leaves:
        if leaf.initial:
            lines.append("    #[initial]")
        lines.append(f"    #[parent({leaf.parent})]")
        lines.append("    #[on(" + ", ".join(f"{e} -> {t}" for e, t in leaf.on) + ")]")
        lines.append(f"    {leaf.name},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def describe(n: int | None = None) -> str:
    """One line on the shape, for reports (`n` None: in terms of N)."""
    leaves, tops, events = ("N", "N/20", "N+2") if n is None else (n, n // LEAVES_PER_TOP, n + 2)
    return (f"hierarchical: {leaves} leaves in {tops} top composites x {SUBS_PER_TOP} "
            f"sub-composites x {LEAVES_PER_SUB} leaves, 4 transitions per leaf once flattened "
            f"(2-3 own, 1-2 inherited), {events} events; flattened: the same machine written flat")
