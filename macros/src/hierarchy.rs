//! Composite states: resolving `#[composite(...)]` and `#[parent(...)]`, and compiling the
//! hierarchy into the flat table of leaf transitions that dispatch uses.
//!
//! The semantics are SCXML's for a chart without parallel states (see the README's
//! "Hierarchical states"):
//!
//! - a state inherits the transitions of every composite it is inside, unless it (or a nearer
//!   composite) handles the same event itself: the innermost declaration wins;
//! - a transition to a composite enters its `initial` child, recursively, down to a state;
//! - a transition leaves the states from the source state up to (not including) the innermost
//!   composite that is a proper ancestor of the declaring node and contains the target (SCXML's
//!   transition domain), and enters from there down; a composite's transition to itself or to
//!   a state inside it therefore leaves the composite and enters it again; a state's self-loop
//!   stays in the state (as in a flat machine);
//! - the machine starts in the leaf that the top level's `initial` node leads to.
//!
//! Resolution never fails: a name that resolves to nothing is left unresolved for `validate` to
//! report (`check` in this module), and the flattening works with whatever resolved, so that
//! one mistake gives one error.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use syn::Ident;

use crate::errors::Errors;
use crate::model::{Model, Transition};
use crate::names;
use crate::parse::Input;

/// A composite state.
pub struct Composite {
    pub ident: Ident,
    pub doc: String,
    /// The composite it is inside, if `parent = ...` resolved (and closes no cycle).
    pub parent: Option<usize>,
    pub initial: Vec<Span>,
    pub terminal: Vec<Span>,
    pub enter: Vec<Span>,
    pub exit: Vec<Span>,
    /// The spans of its `timeout(...)`s.
    pub timeouts: Vec<Span>,
}

/// A state or a composite.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum NodeRef {
    State(usize),
    Composite(usize),
}

/// What resolving the hierarchy found wrong, for `check` to report.
#[derive(Default)]
pub struct Problems {
    /// `#[parent(X)]` / `parent = X` naming no composite.
    unknown_parents: Vec<Ident>,
    /// A second `#[parent(...)]` on a state.
    repeated_parents: Vec<Span>,
    /// A composite declared again (the second, the first), or named like a state.
    duplicates: Vec<(Ident, String)>,
    /// Composites whose `parent = ...` closes a cycle (one per cycle), with the cycle's names.
    cycles: Vec<(Ident, Vec<String>)>,
}

impl Model {
    /// Whether the machine has composite states.
    pub fn is_hierarchical(&self) -> bool {
        !self.composites.is_empty()
    }

    /// The parent of a node.
    pub fn parent_of(&self, node: NodeRef) -> Option<usize> {
        match node {
            NodeRef::State(s) => self.states[s].parent,
            NodeRef::Composite(c) => self.composites[c].parent,
        }
    }

    /// The composites a node is inside, innermost first.
    pub fn ancestors(&self, node: NodeRef) -> Vec<usize> {
        let mut out = Vec::new();
        let mut next = self.parent_of(node);
        while let Some(c) = next {
            if out.contains(&c) {
                break; // cycles are broken during resolution; this only guards
            }
            out.push(c);
            next = self.composites[c].parent;
        }
        out
    }

    /// The children of a composite (`Some`) or of the top level (`None`): states, then
    /// composites, in declaration order.
    pub fn children(&self, parent: Option<usize>) -> Vec<NodeRef> {
        let states = (0..self.states.len())
            .filter(|&s| self.states[s].parent == parent)
            .map(NodeRef::State);
        let composites = (0..self.composites.len())
            .filter(|&c| self.composites[c].parent == parent)
            .map(NodeRef::Composite);
        states.chain(composites).collect()
    }

    /// Whether a node is marked initial (among its siblings).
    pub fn marked_initial(&self, node: NodeRef) -> bool {
        match node {
            NodeRef::State(s) => !self.states[s].initial.is_empty(),
            NodeRef::Composite(c) => !self.composites[c].initial.is_empty(),
        }
    }

    /// The initial child of a composite (or of the top level): the first marked one, else the
    /// first child (validation reports the missing mark).
    pub fn initial_child(&self, parent: Option<usize>) -> Option<NodeRef> {
        let children = self.children(parent);
        children
            .iter()
            .copied()
            .find(|&n| self.marked_initial(n))
            .or(children.first().copied())
    }

    /// The state a transition to `node` leads to: its initial children's, down to a state.
    pub fn entry_state(&self, node: NodeRef) -> Option<usize> {
        let mut node = node;
        for _ in 0..=self.composites.len() {
            match node {
                NodeRef::State(s) => return Some(s),
                NodeRef::Composite(c) => node = self.initial_child(Some(c))?,
            }
        }
        None
    }

    /// The name of a composite's trait: `InActive` for `Active`.
    pub fn composite_trait_name(composite: &Composite) -> String {
        format!("In{}", names::text(&composite.ident))
    }

    /// Per composite, whether its trait's name is free: no state type, generated type or
    /// event trait has it. Validation reports a taken one; the API of a repaired model leaves
    /// that trait out rather than add errors.
    pub fn composite_traits_free(&self) -> Vec<bool> {
        if !self.is_hierarchical() {
            return Vec::new();
        }
        let mut taken: HashSet<String> =
            self.states.iter().map(|s| names::text(&s.ident)).collect();
        taken.extend(crate::model::MODULE_TYPES.iter().map(|s| (*s).to_owned()));
        taken.extend(self.events.iter().map(|e| e.trait_name()));
        self.composites
            .iter()
            .map(|c| !taken.contains(&Model::composite_trait_name(c)))
            .collect()
    }

    /// A node's name.
    pub fn node_name(&self, node: NodeRef) -> String {
        match node {
            NodeRef::State(s) => names::text(&self.states[s].ident),
            NodeRef::Composite(c) => names::text(&self.composites[c].ident),
        }
    }

    /// How deep a node is: 1 at the top level.
    fn depth(&self, node: NodeRef) -> usize {
        self.ancestors(node).len() + 1
    }

    /// How many nodes a transition from state `leaf`, declared on `source`, to `target` leaves
    /// (see the module docs).
    fn exits(&self, leaf: usize, source: NodeRef, target: NodeRef) -> u32 {
        if source == NodeRef::State(leaf) && target == source {
            return 0;
        }
        let target_ancestors = self.ancestors(target);
        // The innermost proper ancestor of the source that contains the target (strictly).
        let domain = self
            .ancestors(source)
            .into_iter()
            .find(|a| target_ancestors.contains(a));
        let domain_depth = domain.map_or(0, |d| self.depth(NodeRef::Composite(d)));
        (self.depth(NodeRef::State(leaf)) - domain_depth) as u32
    }
}

/// Resolves the hierarchy of `input` into `model` (whose states and own transitions are
/// built), and replaces the transitions with the flat table of every state's transitions,
/// inherited ones included. Does nothing for a flat machine.
pub fn resolve(model: &mut Model, input: &Input) {
    let mut problems = Problems::default();
    // States declared twice are not in the model; their `#[parent]` is lost with them.
    let mut names_seen: HashMap<String, String> = model
        .states
        .iter()
        .map(|s| (names::text(&s.ident), "a state".to_owned()))
        .collect();
    let mut kept = Vec::new();
    for c in &input.composites {
        let name = names::text(&c.ident);
        if let Some(what) = names_seen.get(&name) {
            problems.duplicates.push((c.ident.clone(), what.clone()));
            continue;
        }
        names_seen.insert(name, "a composite state".to_owned());
        kept.push(c);
    }
    let index: HashMap<String, usize> = kept
        .iter()
        .enumerate()
        .map(|(i, c)| (names::text(&c.ident), i))
        .collect();
    // An unknown name is reported; the composite it was probably meant to be stands in for it,
    // so that the rest of the hierarchy is checked as it will be once the typo is fixed.
    let mut lookup = |ident: &Ident| -> Option<usize> {
        let name = names::text(ident);
        let found = index.get(&name).copied();
        if found.is_some() {
            return found;
        }
        problems.unknown_parents.push(ident.clone());
        let known = index.keys().map(String::as_str);
        names::did_you_mean(&name, known).and_then(|close| index.get(close).copied())
    };
    model.composites = kept
        .iter()
        .map(|c| Composite {
            ident: c.ident.clone(),
            doc: c.doc.clone(),
            parent: c.parent.as_ref().and_then(&mut lookup),
            initial: c.initial.clone(),
            terminal: c.terminal.clone(),
            enter: c.enter.clone(),
            exit: c.exit.clone(),
            timeouts: c.timeout_spans.clone(),
        })
        .collect();
    // The model's states are the variants declared first (duplicates dropped), in order.
    let mut by_name: HashMap<String, &crate::parse::VariantInput> = HashMap::new();
    for v in &input.variants {
        by_name.entry(names::text(&v.ident)).or_insert(v);
    }
    for s in 0..model.states.len() {
        let v = by_name[&names::text(&model.states[s].ident)];
        if let Some((_, Some(parent))) = v.parent.first() {
            model.states[s].parent = lookup(parent);
        }
        problems
            .repeated_parents
            .extend(v.parent.iter().skip(1).map(|(span, _)| *span));
    }
    // Cycles: each composite that reaches itself going up; the cycle is broken at the first
    // of its members in declaration order.
    for c in 0..model.composites.len() {
        let mut seen = vec![c];
        let mut next = model.composites[c].parent;
        while let Some(p) = next {
            if p == c {
                let names = seen
                    .iter()
                    .map(|&m| names::text(&model.composites[m].ident));
                problems
                    .cycles
                    .push((model.composites[c].ident.clone(), names.collect()));
                model.composites[c].parent = None;
                break;
            }
            if seen.contains(&p) {
                break; // a cycle above, broken when its first member is visited
            }
            seen.push(p);
            next = model.composites[p].parent;
        }
    }
    model.hierarchy_problems = problems;
    if model.composites.is_empty() {
        return;
    }
    if model
        .composites
        .iter()
        .any(|c| !c.enter.is_empty() || !c.exit.is_empty())
    {
        model.hooks = true;
    }
    flatten(model, input);
}

/// Replaces the transitions with every state's own and inherited ones (see the module docs).
fn flatten(model: &mut Model, input: &Input) {
    // Composite targets: the state their initial children lead to.
    let composite_index: HashMap<String, usize> = model
        .composites
        .iter()
        .enumerate()
        .map(|(i, c)| (names::text(&c.ident), i))
        .collect();
    let resolve_target = |model: &Model, target: &Ident| -> (Option<usize>, Option<usize>) {
        match composite_index.get(&names::text(target)) {
            Some(&c) => (model.entry_state(NodeRef::Composite(c)), Some(c)),
            None => (None, None),
        }
    };
    for i in 0..model.transitions.len() {
        if model.transitions[i].to.is_none() {
            let (to, composite) = resolve_target(model, &model.transitions[i].target);
            model.transitions[i].to = to;
            model.transitions[i].target_composite = composite;
        }
    }

    // The composites' own transitions, as written (with `from` meaning nothing yet).
    let mut declared: Vec<Vec<Transition>> = vec![Vec::new(); model.composites.len()];
    let mut group = model
        .transitions
        .iter()
        .map(|t| t.group + 1)
        .max()
        .unwrap_or(0);
    let mut event_index: HashMap<String, usize> = model
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.clone(), i))
        .collect();
    let kept: Vec<&crate::parse::CompositeInput> = {
        let mut seen = HashSet::new();
        let states: HashSet<String> = model.states.iter().map(|s| names::text(&s.ident)).collect();
        input
            .composites
            .iter()
            .filter(|c| {
                let n = names::text(&c.ident);
                !states.contains(&n) && seen.insert(n)
            })
            .collect()
    };
    let state_index: HashMap<String, usize> = model
        .states
        .iter()
        .enumerate()
        .map(|(i, s)| (names::text(&s.ident), i))
        .collect();
    for (c, input) in kept.iter().enumerate() {
        let written = input
            .on
            .iter()
            .flat_map(|on| &on.transitions)
            .map(|t| (&t.event, t.targets.as_slice(), t.guard, None))
            .chain(input.timeouts.iter().map(|t| {
                let target = std::slice::from_ref(&t.target);
                (&t.event, target, None, Some((t.millis, t.resume)))
            }));
        for (event_ident, targets, guard, timeout) in written {
            let name = names::text(event_ident);
            let event = *event_index.entry(name.clone()).or_insert_with(|| {
                model.events.push(crate::model::Event {
                    ident: event_ident.clone(),
                    camel: names::to_camel(&name),
                    name,
                    internal: false,
                });
                model.events.len() - 1
            });
            for target in targets {
                let state = state_index.get(&names::text(target)).copied();
                let (to, composite) = match state {
                    Some(s) => (Some(s), None),
                    None => resolve_target(model, target),
                };
                declared[c].push(Transition {
                    from: usize::MAX,
                    event,
                    event_ident: event_ident.clone(),
                    target: target.clone(),
                    to,
                    group,
                    group_len: targets.len(),
                    guard,
                    timeout,
                    origin: Some(c),
                    target_composite: composite,
                    exits: 0,
                });
            }
            group += 1;
        }
    }
    // `internal(...)` may name an event only a composite declares.
    for ident in &input.options.internal {
        if let Some(&e) = event_index.get(&names::text(ident)) {
            if !model.events[e].internal {
                model.events[e].internal = true;
                model
                    .internal_unknown
                    .retain(|u| names::text(u) != names::text(ident));
            }
        }
    }

    // Per state: its own, then each composite's (innermost first) for events not yet handled.
    let own = std::mem::take(&mut model.transitions);
    let mut flat = Vec::with_capacity(own.len());
    let mut next_group = 0;
    let mut groups: HashMap<(usize, usize), usize> = HashMap::new();
    let mut regroup = |leaf: usize, group: usize| -> usize {
        *groups.entry((leaf, group)).or_insert_with(|| {
            next_group += 1;
            next_group - 1
        })
    };
    // The states' own transitions, by state (one pass: `own` is grouped by state already).
    let mut by_state: Vec<Vec<Transition>> = vec![Vec::new(); model.states.len()];
    for t in own {
        by_state[t.from].push(t);
    }
    for (leaf, mine) in by_state.into_iter().enumerate() {
        let mut handled: HashSet<usize> = mine.iter().map(|t| t.event).collect();
        let mut timed = mine.iter().any(|t| t.timeout.is_some());
        for mut t in mine {
            let target = match t.target_composite {
                Some(c) => NodeRef::Composite(c),
                None => NodeRef::State(t.to.unwrap_or(leaf)),
            };
            t.exits = model.exits(leaf, NodeRef::State(leaf), target);
            t.group = regroup(leaf, t.group);
            flat.push(t);
        }
        // A terminal state ends the machine: it inherits nothing (validation reports a
        // terminal state inside a composite that has transitions).
        if !model.states[leaf].terminal.is_empty() {
            continue;
        }
        for c in model.ancestors(NodeRef::State(leaf)) {
            let mut here = HashSet::new();
            for (i, t) in declared[c].iter().enumerate() {
                // The same event twice on one composite is reported
                // (check_composite_transitions); only the first is inherited.
                let repeated = declared[c][..i]
                    .iter()
                    .any(|u| u.event == t.event && u.group != t.group);
                if repeated || handled.contains(&t.event) || (t.timeout.is_some() && timed) {
                    continue;
                }
                here.insert(t.event);
                let mut copy = t.clone();
                copy.from = leaf;
                let target = match copy.target_composite {
                    Some(tc) => NodeRef::Composite(tc),
                    None => NodeRef::State(copy.to.unwrap_or(leaf)),
                };
                copy.exits = model.exits(leaf, NodeRef::Composite(c), target);
                copy.group = regroup(leaf, copy.group);
                flat.push(copy);
            }
            timed |= declared[c]
                .iter()
                .any(|t| t.timeout.is_some() && here.contains(&t.event));
            handled.extend(here);
        }
    }
    model.transitions = flat;
    model.declared = declared;
}

/// Whether where the machine starts is known: one initial node at the top level and in each
/// composite. The graph checks wait for the next build when it is not.
pub fn initials_known(model: &Model) -> bool {
    std::iter::once(None)
        .chain((0..model.composites.len()).map(Some))
        .all(|parent| {
            let children = model.children(parent);
            children.is_empty()
                || children
                    .iter()
                    .filter(|&&n| model.marked_initial(n))
                    .count()
                    == 1
        })
}

/// Every rule about the hierarchy; each reports at the offending token.
pub fn check(model: &Model, errors: &Errors) {
    check_parents_exist(model, errors);
    check_no_cycles(model, errors);
    check_composites_once(model, errors);
    if !model.is_hierarchical() {
        return;
    }
    check_composites_have_states(model, errors);
    check_one_initial_per_level(model, errors);
    check_composite_flags(model, errors);
    check_composite_transitions(model, errors);
    check_terminal_inside(model, errors);
    check_one_timeout_per_path(model, errors);
    check_generated_names(model, errors);
}

/// A composite's generated names are free: its trait `InActive` names no state type and no
/// other generated item, and its hooks `enter_active`/`exit_active` are no state's hooks.
fn check_generated_names(model: &Model, errors: &Errors) {
    let free = model.composite_traits_free();
    let state_hooks: HashSet<String> = model
        .states
        .iter()
        .filter(|s| !s.enter.is_empty() || !s.exit.is_empty() || model.hooks)
        .map(|s| names::to_snake(&names::text(&s.ident)))
        .collect();
    for (c, free) in model.composites.iter().zip(free) {
        let name = names::text(&c.ident);
        let trait_name = Model::composite_trait_name(c);
        if !free {
            errors.at(
                c.ident.span(),
                format!(
                    "the trait of `{name}` would be named `{trait_name}`, which the machine already uses; rename the composite state or `{trait_name}`"
                ),
            );
        }
        let snake = names::to_snake(&name);
        if (!c.enter.is_empty() || !c.exit.is_empty()) && state_hooks.contains(&snake) {
            errors.at(
                c.ident.span(),
                format!(
                    "the hooks of `{name}` would be `enter_{snake}`/`exit_{snake}`, like a state's; rename the composite state"
                ),
            );
        }
    }
}

/// Every `#[parent(X)]` and `parent = X` names a composite state, once per state.
fn check_parents_exist(model: &Model, errors: &Errors) {
    let composites: Vec<String> = model
        .composites
        .iter()
        .map(|c| names::text(&c.ident))
        .collect();
    for ident in &model.hierarchy_problems.unknown_parents {
        let name = names::text(ident);
        let is_state = model.states.iter().any(|s| names::text(&s.ident) == name);
        let message = if is_state {
            format!(
                "`{name}` is a state, not a composite state; only a `#[composite({name}, ...)]` on the enum can hold other states"
            )
        } else {
            match names::did_you_mean(&name, composites.iter().map(String::as_str)) {
                Some(close) => format!("unknown composite state `{name}`; did you mean `{close}`?"),
                None => format!(
                    "unknown composite state `{name}`; declare it on the enum with `#[composite({name})]`"
                ),
            }
        };
        errors.at(ident.span(), message);
    }
    for span in &model.hierarchy_problems.repeated_parents {
        errors.at(
            *span,
            "a state is directly inside one composite; remove this `#[parent(...)]`",
        );
    }
}

/// The `parent = ...` links form a tree: no composite is inside itself.
fn check_no_cycles(model: &Model, errors: &Errors) {
    for (ident, cycle) in &model.hierarchy_problems.cycles {
        let path = cycle
            .iter()
            .chain(cycle.first())
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" inside ");
        errors.at(
            ident.span(),
            format!("composite states cannot be inside each other in a cycle: {path}; remove one `parent = ...`"),
        );
    }
}

/// A composite's name is declared once and is no state's name.
fn check_composites_once(model: &Model, errors: &Errors) {
    for (ident, what) in &model.hierarchy_problems.duplicates {
        errors.at(
            ident.span(),
            format!("`{ident}` is already {what}; give the composite state another name"),
        );
    }
}

/// Every composite holds at least one state (directly or through a composite inside it).
fn check_composites_have_states(model: &Model, errors: &Errors) {
    for (c, composite) in model.composites.iter().enumerate() {
        if model.entry_state(NodeRef::Composite(c)).is_none() {
            errors.at(
                composite.ident.span(),
                format!(
                    "`{}` has no states inside it, so it can never be entered; put `#[parent({})]` on the states it holds, or remove it",
                    composite.ident, composite.ident
                ),
            );
        }
    }
}

/// At the top level and inside each composite, exactly one node is marked initial: where the
/// machine starts, and where a transition to the composite goes.
fn check_one_initial_per_level(model: &Model, errors: &Errors) {
    let initial_span = |n: NodeRef| match n {
        NodeRef::State(s) => model.states[s].initial.first().copied(),
        NodeRef::Composite(c) => model.composites[c].initial.first().copied(),
    };
    for parent in std::iter::once(None).chain((0..model.composites.len()).map(Some)) {
        let children = model.children(parent);
        if children.is_empty() {
            continue; // reported by check_composites_have_states
        }
        let marked: Vec<NodeRef> = children
            .iter()
            .copied()
            .filter(|&n| model.marked_initial(n))
            .collect();
        match (parent, marked.as_slice()) {
            (None, []) => {
                // A nested `#[initial]` says where inside its composite, not where the machine
                // starts: point at it, if there is one.
                let nested = (0..model.states.len())
                    .map(NodeRef::State)
                    .chain((0..model.composites.len()).map(NodeRef::Composite))
                    .find(|&n| model.marked_initial(n));
                let message = match nested {
                    Some(n) => {
                        let parent = model.parent_of(n).map(|p| model.composites[p].ident.to_string());
                        let top = model.ancestors(n).last().map(|&a| model.composites[a].ident.to_string());
                        format!(
                            "`{}` has no initial state at the top level; `#[initial]` on `{}` only makes it the first state of `{}`: mark `{}` `initial` too (`#[composite({}, initial, ...)]`) to start there",
                            model.ident,
                            model.node_name(n),
                            parent.unwrap_or_default(),
                            top.clone().unwrap_or_default(),
                            top.unwrap_or_default(),
                        )
                    }
                    None => format!(
                        "`{}` has no initial state; put `#[initial]` on the state it starts in (or `initial` in the `#[composite(...)]` it starts in)",
                        model.ident
                    ),
                };
                errors.at(model.ident.span(), message);
            }
            (Some(c), []) => errors.at(
                model.composites[c].ident.span(),
                format!(
                    "`{}` has no initial state: mark the state a transition to `{}` enters with `#[initial]` (or `initial` in a composite inside it)",
                    model.composites[c].ident, model.composites[c].ident
                ),
            ),
            (_, [first, rest @ ..]) => {
                for &n in rest {
                    let place = match parent {
                        None => "the machine has".to_owned(),
                        Some(c) => format!("`{}` has", model.composites[c].ident),
                    };
                    errors.at(
                        initial_span(n).unwrap_or_else(Span::call_site),
                        format!(
                            "`{}` is marked initial, but `{}` already is; {place} exactly one initial state",
                            model.node_name(n),
                            model.node_name(*first)
                        ),
                    );
                }
            }
        }
    }
}

/// A composite is never terminal (the machine is always in one of its states, which may be
/// terminal), and its flags appear once.
fn check_composite_flags(model: &Model, errors: &Errors) {
    for c in &model.composites {
        if let Some(span) = c.terminal.first() {
            errors.at(
                *span,
                format!(
                    "a composite state cannot be terminal: the machine is always in one of the states inside `{}`; mark the state it ends in `#[terminal]`",
                    c.ident
                ),
            );
        }
        for (spans, name) in [
            (&c.initial, "initial"),
            (&c.enter, "enter"),
            (&c.exit, "exit"),
        ] {
            for span in spans.iter().skip(1) {
                errors.at(
                    *span,
                    format!("duplicate `{name}` in `#[composite({}, ...)]`", c.ident),
                );
            }
        }
        for span in c.timeouts.iter().skip(1) {
            errors.at(
                *span,
                format!(
                    "`{}` already has a timeout; a composite state has at most one",
                    c.ident
                ),
            );
        }
    }
}

/// A composite's transitions: each target exists, one transition per event (the same event at
/// the same level is nondeterministic), and each is taken from at least one state inside (a
/// transition that every state inside overrides never runs).
fn check_composite_transitions(model: &Model, errors: &Errors) {
    let targets: Vec<String> = model
        .states
        .iter()
        .map(|s| names::text(&s.ident))
        .chain(model.composites.iter().map(|c| names::text(&c.ident)))
        .collect();
    // Which (composite, event) some state inherits: one pass, not one per declaration.
    let inherited: HashSet<(usize, usize)> = model
        .transitions
        .iter()
        .filter_map(|t| Some((t.origin?, t.event)))
        .collect();
    for (c, declared) in model.declared.iter().enumerate() {
        let mut first: HashMap<usize, (usize, &Ident)> = HashMap::new();
        for t in declared {
            if t.to.is_none() && t.target_composite.is_none() {
                let name = names::text(&t.target);
                let message = match names::did_you_mean(&name, targets.iter().map(String::as_str)) {
                    Some(close) => format!("unknown state `{name}`; did you mean `{close}`?"),
                    None => format!(
                        "unknown state `{name}`; the targets are the enum's variants and the composite states"
                    ),
                };
                errors.at(t.target.span(), message);
            }
            match first.get(&t.event) {
                Some(&(group, _)) if group == t.group => {}
                Some((_, target)) => errors.at(
                    t.event_ident.span(),
                    format!(
                        "nondeterministic transition: `{}` already leads from `{}` to `{target}`; an event leads from a composite state to one target (a state inside it may handle the event itself)",
                        t.event_ident, model.composites[c].ident
                    ),
                ),
                None => {
                    first.insert(t.event, (t.group, &t.target));
                }
            }
        }
        for t in declared {
            let used = inherited.contains(&(c, t.event));
            let has_states = model.entry_state(NodeRef::Composite(c)).is_some();
            if !used && has_states && first.get(&t.event).is_some_and(|(g, _)| *g == t.group) {
                errors.at(
                    t.event_ident.span(),
                    format!(
                        "every state inside `{}` handles `{}` itself, so this transition never runs; remove it",
                        model.composites[c].ident, t.event_ident
                    ),
                );
            }
        }
    }
}

/// A terminal state ends the machine, so it is inside no composite that has transitions: they
/// would be ways out of it.
fn check_terminal_inside(model: &Model, errors: &Errors) {
    for (s, state) in model.states.iter().enumerate() {
        let Some(&span) = state.terminal.first() else {
            continue;
        };
        let leaving = model
            .ancestors(NodeRef::State(s))
            .into_iter()
            .find(|&c| !model.declared[c].is_empty());
        if let Some(c) = leaving {
            errors.at(
                span,
                format!(
                    "`{}` is `#[terminal]`, but it is inside `{}`, whose transitions leave every state inside it; move `{}` out of `{}`, or make it an ordinary state",
                    state.ident, model.composites[c].ident, state.ident, model.composites[c].ident
                ),
            );
        }
    }
}

/// At most one timeout on a state's whole path: a state inside a composite with a timeout has
/// none of its own, and no composite with a timeout is inside another one with a timeout.
fn check_one_timeout_per_path(model: &Model, errors: &Errors) {
    let timed = |c: usize| model.composites[c].timeouts.first().copied();
    for (s, state) in model.states.iter().enumerate() {
        if let (Some(&span), Some(c)) = (
            state.timeouts.first(),
            model
                .ancestors(NodeRef::State(s))
                .into_iter()
                .find(|&c| timed(c).is_some()),
        ) {
            errors.at(
                span,
                format!(
                    "`{}` is inside `{}`, which has a timeout; a state inside a composite with a timeout cannot have its own (one timeout per path)",
                    state.ident, model.composites[c].ident
                ),
            );
        }
    }
    for (c, composite) in model.composites.iter().enumerate() {
        if let (Some(span), Some(outer)) = (
            timed(c),
            model
                .ancestors(NodeRef::Composite(c))
                .into_iter()
                .find(|&a| timed(a).is_some()),
        ) {
            errors.at(
                span,
                format!(
                    "`{}` is inside `{}`, which has a timeout; a composite inside a composite with a timeout cannot have its own (one timeout per path)",
                    composite.ident, model.composites[outer].ident
                ),
            );
        }
    }
}
