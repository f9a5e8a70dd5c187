//! Composite states: how the states of a hierarchical machine nest.
//!
//! A machine declared with `#[composite(...)]` has, besides its states (the enum's variants,
//! always the *leaves*), composite states that group them. The machine is always in exactly one
//! leaf; a composite is "active" while the machine is in a leaf inside it. The macro compiles
//! the hierarchy away for dispatch: each leaf's transitions in the [`Definition`] are its own
//! plus the ones it inherits from its composites (the innermost declaration of an event wins),
//! with a composite target replaced by the leaf its initial children lead to. So dispatch,
//! records, replay, journals and snapshots work on leaves as they do for a flat machine, and a
//! lookup never walks the tree.
//!
//! What the hierarchy adds is recorded beside that table: the composites (name, docs, parent,
//! initial child, hooks) and, per transition, the node that declares it, the node it targets
//! and how many nodes it leaves. [`Transition::exited`] and [`Transition::entered`] give the
//! states a transition leaves and enters, in the order their hooks run (SCXML's exit and entry
//! sets for a machine without parallel states).
//!
//! ```
//! use statewright::{state_machine, Node, StateMachine};
//!
//! #[state_machine]
//! #[composite(Active, initial, on(cancel -> Cancelled))]
//! #[derive(Debug, Clone, PartialEq)]
//! enum Order {
//!     #[initial]
//!     #[parent(Active)]
//!     #[on(pay -> Paid)]
//!     Pending,
//!     #[parent(Active)]
//!     #[on(ship -> Shipped)]
//!     Paid,
//!     #[terminal]
//!     Shipped,
//!     #[terminal]
//!     Cancelled,
//! }
//!
//! # fn main() {
//! let def = Order::DEFINITION;
//! let active = def.composite("Active").unwrap();
//! let paid = def.state("Paid").unwrap();
//! assert_eq!(paid.parent(), Some(active));
//! assert_eq!(active.states().map(|s| s.name()).collect::<Vec<_>>(), ["Pending", "Paid"]);
//!
//! // `Paid` inherits `cancel` from `Active`: declared once, taken from every state inside.
//! let cancel = paid.transitions().find(|t| t.event().name() == "cancel").unwrap();
//! assert_eq!(cancel.source(), Node::Composite(active));
//! assert!(cancel.is_inherited());
//! let exited: Vec<_> = cancel.exited().map(|n| n.name()).collect();
//! assert_eq!(exited, ["Paid", "Active"]);
//! assert_eq!(cancel.entered().map(|n| n.name()).collect::<Vec<_>>(), ["Cancelled"]);
//! # }
//! ```

use core::fmt;

use crate::definition::{Definition, EventId, StateId, StateInfo, Transition};
use crate::machine::StateMachine;

/// The tables of a machine's composite states; every one empty for a flat machine.
///
/// A *node* is a state or a composite: nodes `0..states` are the states (leaves) in
/// declaration order, nodes `states..` the composites in declaration order.
#[derive(Debug, PartialEq, Eq)]
pub struct Hierarchy {
    /// The composites' names.
    pub(crate) names: &'static [&'static str],
    /// The composites' docs (`doc = "..."`).
    pub(crate) docs: &'static [&'static str],
    /// Per node, the index of its parent composite (`0..names.len()`), or [`NONE`] at the top.
    pub(crate) parents: &'static [u32],
    /// Per composite, the node its `initial` child is.
    pub(crate) initial: &'static [u32],
    /// Per composite, [`ENTRY_HOOK`](crate::definition) | `EXIT_HOOK` bits; empty without hooks.
    pub(crate) hooks: &'static [u8],
    /// Per transition pair of the definition, three numbers: the node that declares it, the
    /// node it targets (a composite: the pair's `to` is the leaf its initial children lead to),
    /// and how many nodes it leaves, counted from the source leaf outwards (0 for a leaf's
    /// self-loop, which stays in the state).
    pub(crate) origins: &'static [u32],
}

impl Hierarchy {
    /// The hierarchy of a flat machine.
    pub(crate) const FLAT: Hierarchy = Hierarchy {
        names: &[],
        docs: &[],
        parents: &[],
        initial: &[],
        hooks: &[],
        origins: &[],
    };
}

/// The position of a composite state in its [`Definition`] (the order of the `#[composite]`
/// attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompositeId(pub(crate) u32);

impl CompositeId {
    /// The index of the composite in declaration order.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A composite state (`#[composite(Active, ...)]`): a view into its [`Definition`].
#[derive(Clone, Copy)]
pub struct CompositeInfo {
    definition: &'static Definition,
    id: CompositeId,
}

/// A state or a composite state: what a transition is declared on or targets, and what a
/// transition leaves and enters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// A state: a variant of the enum, a leaf of the hierarchy.
    State(StateInfo),
    /// A composite state.
    Composite(CompositeInfo),
}

impl Node {
    /// The state's or the composite's name.
    pub fn name(&self) -> &'static str {
        match self {
            Node::State(s) => s.name(),
            Node::Composite(c) => c.name(),
        }
    }

    /// The composite it is directly inside, if any.
    pub fn parent(&self) -> Option<CompositeInfo> {
        match self {
            Node::State(s) => s.parent(),
            Node::Composite(c) => c.parent(),
        }
    }

    /// The state, for a leaf.
    pub fn as_state(&self) -> Option<StateInfo> {
        match self {
            Node::State(s) => Some(*s),
            Node::Composite(_) => None,
        }
    }

    /// The composite, for a composite.
    pub fn as_composite(&self) -> Option<CompositeInfo> {
        match self {
            Node::State(_) => None,
            Node::Composite(c) => Some(*c),
        }
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::State(s) => write!(f, "State({:?})", s.name()),
            Node::Composite(c) => write!(f, "Composite({:?})", c.name()),
        }
    }
}

impl fmt::Display for Node {
    /// The name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn s_len(definition: &Definition) -> u32 {
    definition.state_names.len() as u32
}

impl Definition {
    /// Whether the machine has composite states.
    pub fn is_hierarchical(&self) -> bool {
        !self.hierarchy.names.is_empty()
    }

    /// The composite states, in declaration order (none for a flat machine).
    pub fn composites(&'static self) -> impl ExactSizeIterator<Item = CompositeInfo> + Clone {
        (0..self.hierarchy.names.len() as u32).map(move |i| CompositeInfo {
            definition: self,
            id: CompositeId(i),
        })
    }

    /// The composite state named `name`.
    pub fn composite(&'static self, name: &str) -> Option<CompositeInfo> {
        self.composites().find(|c| c.name() == name)
    }

    /// The composite state with this id, if it belongs to this definition.
    pub fn get_composite(&'static self, id: CompositeId) -> Option<CompositeInfo> {
        (id.index() < self.hierarchy.names.len()).then_some(CompositeInfo {
            definition: self,
            id,
        })
    }

    /// The nodes at the top level (inside no composite): the states, then the composites, each
    /// in declaration order. For a flat machine, every state.
    pub fn top_level(&'static self) -> impl Iterator<Item = Node> + Clone {
        self.nodes().filter(|n| n.parent().is_none())
    }

    /// Every node: the states, then the composites.
    fn nodes(&'static self) -> impl Iterator<Item = Node> + Clone {
        self.states()
            .map(Node::State)
            .chain(self.composites().map(Node::Composite))
    }

    /// The node with this index (see [`Hierarchy`]).
    pub(crate) fn node(&'static self, index: u32) -> Option<Node> {
        let states = s_len(self);
        if index < states {
            self.get_state(StateId(index)).map(Node::State)
        } else {
            self.get_composite(CompositeId(index - states))
                .map(Node::Composite)
        }
    }

    /// The parent composite of node `index`, if any.
    fn parent_of(&'static self, index: u32) -> Option<CompositeInfo> {
        let parent = *self.hierarchy.parents.get(index as usize)?;
        self.get_composite(CompositeId(parent))
    }

    /// The `(source node, target node, exits)` of transition pair `index`, if the machine is
    /// hierarchical.
    pub(crate) fn origin(&self, index: u32) -> Option<[u32; 3]> {
        let i = index as usize * 3;
        match self.hierarchy.origins.get(i..i + 3) {
            Some(&[source, target, exits]) => Some([source, target, exits]),
            _ => None,
        }
    }

    /// The index of the pair `from --event--> to`, if it is declared.
    pub(crate) fn pair_index(&self, from: StateId, event: EventId, to: StateId) -> Option<u32> {
        let start = *self.first.get(from.index())?;
        self.pairs(from)
            .chunks_exact(2)
            .position(|pair| pair[0] == event.0 && pair[1] == to.0)
            .map(|i| start + i as u32)
    }

    /// Whether the transition `from --event--> to` leaves the state `from` (and so runs its
    /// exit hook, and the entry hook of `to`): every transition but a state's own self-loop.
    /// A composite's self-transition that comes back to the same leaf leaves it too.
    ///
    /// Only hooks ask it: without hooks, the answer is the flat one without a lookup, so that
    /// a nested machine without hooks dispatches as fast as a flat one.
    #[inline]
    pub(crate) fn leaves_state(&self, from: StateId, event: EventId, to: StateId) -> bool {
        if self.hierarchy.origins.is_empty() || self.hooks.is_empty() {
            return from != to;
        }
        // Asked only of declared transitions, whose pair has an origin.
        self.pair_index(from, event, to)
            .and_then(|i| self.origin(i))
            .is_some_and(|[_, _, exits]| exits > 0)
    }
}

impl CompositeInfo {
    /// The composite's id.
    pub const fn id(&self) -> CompositeId {
        self.id
    }

    /// The composite's name, as written in `#[composite(Name, ...)]`.
    pub fn name(&self) -> &'static str {
        self.definition
            .hierarchy
            .names
            .get(self.id.index())
            .copied()
            .unwrap_or("?")
    }

    /// The composite's description (`doc = "..."`); empty when it has none.
    pub fn doc(&self) -> &'static str {
        self.definition
            .hierarchy
            .docs
            .get(self.id.index())
            .copied()
            .unwrap_or("")
    }

    fn node(&self) -> u32 {
        s_len(self.definition) + self.id.0
    }

    /// The composite it is directly inside, if any.
    pub fn parent(&self) -> Option<CompositeInfo> {
        self.definition.parent_of(self.node())
    }

    /// The composites it is inside, innermost first.
    pub fn ancestors(&self) -> Ancestors {
        Ancestors {
            next: self.parent(),
        }
    }

    /// The child the machine enters when a transition targets this composite (`initial`).
    pub fn initial(&self) -> Node {
        let node = self.definition.hierarchy.initial.get(self.id.index());
        node.and_then(|&n| self.definition.node(n))
            .unwrap_or(Node::Composite(*self))
    }

    /// The state a transition to this composite leads to: its initial child's, recursively.
    pub fn initial_state(&self) -> StateInfo {
        let mut node = self.initial();
        // A composite's initial child is nested deeper each step; the depth bounds the walk
        // (a tampered table cannot loop it forever).
        for _ in 0..=self.definition.hierarchy.names.len() {
            match node {
                Node::State(s) => return s,
                Node::Composite(c) => node = c.initial(),
            }
        }
        self.definition.initial()
    }

    /// Its direct children, states first, then composites, each in declaration order.
    pub fn children(&self) -> impl Iterator<Item = Node> + Clone + use<> {
        let me = *self;
        self.definition
            .nodes()
            .filter(move |n| n.parent() == Some(me))
    }

    /// The states inside it, at any depth, in declaration order.
    pub fn states(&self) -> impl Iterator<Item = StateInfo> + Clone + use<> {
        let me = *self;
        self.definition.states().filter(move |s| s.is_inside(me))
    }

    /// Whether `state` is inside this composite, at any depth.
    pub fn contains(&self, state: StateInfo) -> bool {
        state.is_inside(*self)
    }

    /// Whether a hook runs when the machine enters this composite (`enter`).
    pub fn has_entry_hook(&self) -> bool {
        self.hook_bits() & crate::definition::ENTRY_HOOK != 0
    }

    /// Whether a hook runs when the machine leaves this composite (`exit`).
    pub fn has_exit_hook(&self) -> bool {
        self.hook_bits() & crate::definition::EXIT_HOOK != 0
    }

    fn hook_bits(&self) -> u8 {
        let hooks = self.definition.hierarchy.hooks;
        hooks.get(self.id.index()).copied().unwrap_or(0)
    }

    /// The transitions declared on this composite (each once, although every state inside
    /// that does not handle the event itself inherits it), in declaration order.
    pub fn transitions(&self) -> impl Iterator<Item = Transition> + Clone + use<> {
        let me = Node::Composite(*self);
        self.definition
            .declared_transitions()
            .filter(move |t| t.source() == me)
    }

    /// The definition this composite belongs to.
    pub const fn definition(&self) -> &'static Definition {
        self.definition
    }
}

impl PartialEq for CompositeInfo {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && (core::ptr::eq(self.definition, other.definition)
                || self.definition == other.definition)
    }
}

impl Eq for CompositeInfo {}

impl fmt::Debug for CompositeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompositeInfo({:?})", self.name())
    }
}

impl fmt::Display for CompositeInfo {
    /// The composite's name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The composites a state or composite is inside, innermost first: see
/// [`StateInfo::ancestors`].
#[derive(Clone, Debug)]
pub struct Ancestors {
    next: Option<CompositeInfo>,
}

impl Iterator for Ancestors {
    type Item = CompositeInfo;

    fn next(&mut self) -> Option<CompositeInfo> {
        let current = self.next?;
        // The macro writes parents that form a tree; a tampered table that points a composite
        // at itself or a descendant ends the walk at the first repeat instead of looping.
        self.next = current.parent().filter(|p| p.ancestors_len_bounded());
        Some(current)
    }
}

impl CompositeInfo {
    /// Whether walking up from this composite reaches the top within as many steps as there
    /// are composites (false for a cyclic table, which the macro never writes).
    fn ancestors_len_bounded(&self) -> bool {
        let mut node = Some(*self);
        for _ in 0..=self.definition.hierarchy.names.len() {
            match node {
                None => return true,
                Some(c) => node = c.definition.parent_of(c.node()),
            }
        }
        false
    }
}

impl StateInfo {
    /// The composite this state is directly inside, if any.
    ///
    /// ```
    /// use statewright::{state_machine, StateMachine};
    ///
    /// #[state_machine]
    /// #[composite(On, initial, on(power -> Off))]
    /// enum Lamp {
    ///     #[initial]
    ///     #[parent(On)]
    ///     #[on(dim -> Dimmed)]
    ///     Bright,
    ///     #[parent(On)]
    ///     #[on(brighten -> Bright)]
    ///     Dimmed,
    ///     #[on(power -> On)]
    ///     Off,
    /// }
    ///
    /// # fn main() {
    /// let def = Lamp::DEFINITION;
    /// assert_eq!(def.state("Dimmed").unwrap().parent().unwrap().name(), "On");
    /// assert_eq!(def.state("Off").unwrap().parent(), None);
    /// # }
    /// ```
    pub fn parent(&self) -> Option<CompositeInfo> {
        self.definition().parent_of(self.id().0)
    }

    /// The composites this state is inside, innermost first (its path from the top, reversed).
    pub fn ancestors(&self) -> Ancestors {
        Ancestors {
            next: self.parent(),
        }
    }

    /// Whether this state is inside `composite`, at any depth.
    pub fn is_inside(&self, composite: CompositeInfo) -> bool {
        self.ancestors().any(|a| a == composite)
    }

    /// How deep the state is nested: 0 at the top level.
    pub fn depth(&self) -> usize {
        self.ancestors().count()
    }
}

impl Transition {
    fn origin(&self) -> Option<[u32; 3]> {
        self.definition_ref().origin(self.index())
    }

    /// Where the transition is declared: the source state, or the composite it inherits the
    /// transition from.
    pub fn source(&self) -> Node {
        let def = self.definition_ref();
        self.origin()
            .and_then(|[source, _, _]| def.node(source))
            .unwrap_or(Node::State(self.from()))
    }

    /// The target as declared: the target state, or the composite whose initial state
    /// [`to`](Self::to) is.
    pub fn target(&self) -> Node {
        let def = self.definition_ref();
        self.origin()
            .and_then(|[_, target, _]| def.node(target))
            .unwrap_or(Node::State(self.to()))
    }

    /// Whether the source state inherits this transition from a composite it is inside.
    pub fn is_inherited(&self) -> bool {
        matches!(self.source(), Node::Composite(_))
    }

    /// How many nodes the transition leaves (see [`exited`](Self::exited)).
    fn exit_count(&self) -> usize {
        match self.origin() {
            Some([_, _, exits]) => exits as usize,
            None => usize::from(self.from_id() != self.to_id()),
        }
    }

    /// The states the transition leaves, innermost first: the source state, then each
    /// composite up to (not including) the innermost one that contains both ends. Empty for a
    /// state's self-loop, which stays in the state; a composite's self-transition leaves the
    /// composite and enters it again.
    pub fn exited(&self) -> impl Iterator<Item = Node> + Clone + use<> {
        let from = self.from();
        core::iter::once(Node::State(from))
            .chain(from.ancestors().map(Node::Composite))
            .take(self.exit_count())
    }

    /// The states the transition enters, outermost first, ending with the target state: what
    /// it [leaves](Self::exited) is left first, then these are entered.
    pub fn entered(&self) -> impl Iterator<Item = Node> + Clone + use<> {
        let (from, to) = (self.from(), self.to());
        let domain_depth = (from.depth() + 1).saturating_sub(self.exit_count());
        let count = (to.depth() + 1).saturating_sub(domain_depth);
        (0..count).rev().filter_map(move |k| {
            core::iter::once(Node::State(to))
                .chain(to.ancestors().map(Node::Composite))
                .nth(k)
        })
    }
}

impl Definition {
    /// The transitions as declared: a state's own in declaration order, and a composite's
    /// once (not once per state that inherits it), where its first inheriting state has it.
    /// The same as [`transitions`](Self::transitions) for a flat machine. Diagrams draw these.
    pub fn declared_transitions(&'static self) -> impl Iterator<Item = Transition> + Clone {
        self.transitions().filter(move |t| {
            let Some([source, target, _]) = t.origin() else {
                return true;
            };
            if source == t.from_id().0 {
                return true;
            }
            // Inherited: keep the first copy of (declaring node, event, declared target).
            !self
                .transitions()
                .take_while(|u| u.index() < t.index())
                .any(|u| {
                    u.origin().is_some_and(|[s, tg, _]| {
                        s == source && tg == target && u.event_id() == t.event_id()
                    })
                })
        })
    }
}

/// The composites `from --event--> to` leaves, innermost first (not the source state itself).
fn composites_left<M: StateMachine>(
    from: StateId,
    event: EventId,
    to: StateId,
) -> impl Iterator<Item = CompositeInfo> {
    M::DEFINITION
        .find_transition(from, event, to)
        .into_iter()
        .flat_map(|t| t.exited().filter_map(|n| n.as_composite()))
}

/// Runs the exit hooks of the composites a transition leaves, innermost first (after the
/// source state's own exit hook): the first `Err` vetoes, as a state's exit hook does.
pub(crate) fn exit_composites<M: StateMachine>(
    from: StateId,
    event: EventId,
    to: StateId,
    context: &mut M::Context,
) -> Result<(), M::HookError> {
    // The common case returns before building anything: every transition of a flat machine
    // that leaves its state comes through here.
    let def = M::DEFINITION;
    if !(def.is_hierarchical() && def.has_hooks()) {
        return Ok(());
    }
    for c in composites_left::<M>(from, event, to) {
        if c.has_exit_hook() {
            M::__exit_composite(c.id().0, context)?;
        }
    }
    Ok(())
}

/// [`exit_composites`] with `async` hooks awaited.
pub(crate) async fn exit_composites_async<M: StateMachine>(
    from: StateId,
    event: EventId,
    to: StateId,
    context: &mut M::Context,
) -> Result<(), M::HookError> {
    let def = M::DEFINITION;
    if !(def.is_hierarchical() && def.has_hooks()) {
        return Ok(());
    }
    for c in composites_left::<M>(from, event, to) {
        if c.has_exit_hook() {
            M::__exit_composite_async(c.id().0, context).await?;
        }
    }
    Ok(())
}

/// Runs the entry hooks of the composites a transition enters, outermost first (before the
/// target state's own entry hook).
pub(crate) fn enter_composites<M: StateMachine>(
    from: StateId,
    event: EventId,
    to: StateId,
    context: &mut M::Context,
) {
    let def = M::DEFINITION;
    if !(def.is_hierarchical() && def.has_hooks()) {
        return;
    }
    if let Some(t) = def.find_transition(from, event, to) {
        for c in t.entered().filter_map(|n| n.as_composite()) {
            if c.has_entry_hook() {
                M::__enter_composite(c.id().0, context);
            }
        }
    }
}

/// Runs the entry hooks of the composites the initial state is inside, outermost first: what
/// starting a machine enters before its initial state.
pub(crate) fn enter_initial_composites<M: StateMachine>(context: &mut M::Context) {
    let def = M::DEFINITION;
    if !(def.is_hierarchical() && def.has_hooks()) {
        return;
    }
    let initial = def.initial();
    for k in (0..initial.depth()).rev() {
        if let Some(c) = initial.ancestors().nth(k) {
            if c.has_entry_hook() {
                M::__enter_composite(c.id().0, context);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;
    use crate::__private::{hierarchy, with_hierarchy};
    use crate::fixture::{ORDER, ORDER_TABLES};

    /// `ORDER`'s states inside `Active` (Pending, Paid) with `cancel` declared on `Active`:
    /// nodes 0-4 are the states, 5 is `Active`.
    static NESTED: Definition = with_hierarchy(ORDER_TABLES, &NESTED_H);
    static NESTED_H: Hierarchy = hierarchy(
        &["Active"],
        &["Not shipped."],
        &[0, 0, u32::MAX, u32::MAX, u32::MAX, u32::MAX],
        &[0],
        &[],
        // pay: own, 1 exit; cancel: from Active, exits the state and Active; ship: own, leaves
        // Paid and Active; cancel (Paid): inherited; deliver: own.
        &[0, 1, 1, 5, 4, 2, 1, 2, 2, 5, 4, 2, 2, 3, 1],
    );

    /// The same with a parent table that a tampered copy might hold: `Active` inside itself.
    static CYCLIC: Definition = with_hierarchy(ORDER_TABLES, &CYCLIC_H);
    static CYCLIC_H: Hierarchy = hierarchy(
        &["Active"],
        &[""],
        &[0, 0, u32::MAX, u32::MAX, u32::MAX, 0],
        &[5],
        &[],
        &[0, 7, 1],
    );

    fn names(nodes: impl Iterator<Item = Node>) -> Vec<&'static str> {
        nodes.map(|n| n.name()).collect()
    }

    #[test]
    fn a_flat_definition_has_no_hierarchy() {
        assert!(!ORDER.is_hierarchical());
        assert_eq!(ORDER.composites().count(), 0);
        assert_eq!(names(ORDER.top_level()).len(), 5);
        let pay = ORDER.transitions().next().unwrap();
        assert_eq!(pay.source(), Node::State(pay.from()));
        assert_eq!(pay.target(), Node::State(pay.to()));
        assert!(!pay.is_inherited());
        assert_eq!(names(pay.exited()), ["Pending"]);
        assert_eq!(names(pay.entered()), ["Paid"]);
        assert_eq!(
            ORDER.declared_transitions().count(),
            ORDER.transitions().count()
        );
    }

    #[test]
    fn composites_know_their_states_and_transitions() {
        assert!(NESTED.is_hierarchical());
        let active = NESTED.composite("Active").unwrap();
        assert_eq!(active.doc(), "Not shipped.");
        assert_eq!(active.parent(), None);
        assert_eq!(active.initial().name(), "Pending");
        assert_eq!(active.initial_state().name(), "Pending");
        assert_eq!(names(active.children()), ["Pending", "Paid"]);
        assert_eq!(
            active.states().map(|s| s.name()).collect::<Vec<_>>(),
            ["Pending", "Paid"]
        );
        assert!(active.contains(NESTED.state("Paid").unwrap()));
        assert!(!active.contains(NESTED.state("Shipped").unwrap()));
        assert_eq!(
            names(NESTED.top_level()),
            ["Shipped", "Delivered", "Cancelled", "Active"]
        );
        let declared: Vec<String> = active
            .transitions()
            .map(|t| alloc::format!("{t}"))
            .collect();
        assert_eq!(declared, ["Pending --cancel--> Cancelled"]);
        assert_eq!(NESTED.declared_transitions().count(), 4);
        assert_eq!(NESTED.get_composite(CompositeId(1)), None);
        assert_eq!(active.id().index(), 0);
        assert_eq!(
            alloc::format!("{active} {active:?}"),
            "Active CompositeInfo(\"Active\")"
        );
    }

    #[test]
    fn exits_and_entries_follow_the_declared_origin() {
        let paid = NESTED.state("Paid").unwrap();
        assert_eq!(paid.depth(), 1);
        let cancel = paid
            .transitions()
            .find(|t| t.event().name() == "cancel")
            .unwrap();
        assert!(cancel.is_inherited());
        assert_eq!(names(cancel.exited()), ["Paid", "Active"]);
        assert_eq!(names(cancel.entered()), ["Cancelled"]);
        let ship = paid
            .transitions()
            .find(|t| t.event().name() == "ship")
            .unwrap();
        assert_eq!(names(ship.exited()), ["Paid", "Active"]);
        assert_eq!(names(ship.entered()), ["Shipped"]);
        let pay = NESTED.initial().transitions().next().unwrap();
        assert_eq!(names(pay.exited()), ["Pending"]);
        assert_eq!(names(pay.entered()), ["Paid"]);
        let (from, event, to) = (pay.from_id(), pay.event_id(), pay.to_id());
        assert!(NESTED.leaves_state(from, event, to));
        assert!(!ORDER.leaves_state(from, event, from));
    }

    #[test]
    fn a_tampered_parent_table_ends_every_walk() {
        let paid = CYCLIC.state("Paid").unwrap();
        // `Active` is its own parent: the walk stops instead of looping.
        assert!(paid.ancestors().count() <= 2);
        let active = CYCLIC.composite("Active").unwrap();
        assert_eq!(active.initial_state(), CYCLIC.initial());
        assert!(active.ancestors().count() <= 2);
        // An origins table that is too short, or that names a node out of range.
        let t = CYCLIC.transitions().nth(1).unwrap();
        assert_eq!(t.source(), Node::State(t.from()));
        let first = CYCLIC.transitions().next().unwrap();
        assert_eq!(first.target(), Node::State(first.to()));
        assert_eq!(first.exited().count(), 1);
        let _ = names(first.entered());
    }
}
