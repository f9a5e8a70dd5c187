//! A reference interpreter of SCXML, to test the hierarchy's semantics against (see
//! `conformance`).
//!
//! It follows Appendix D, "Algorithm for SCXML Interpretation", of the W3C Recommendation
//! *State Chart XML (SCXML): State Machine Notation for Control Abstraction* (1 September 2015,
//! <https://www.w3.org/TR/scxml/>), one function per procedure of the algorithm and under the
//! same name, restricted to the charts statewright can declare:
//!
//! - `<state>` elements, atomic or compound (with an `initial` attribute naming one of its
//!   children), and `<final>` elements; no `<parallel>`, `<history>` or `<invoke>`;
//! - transitions with one event name (no descriptors listing several names, no prefixes, no
//!   `*`), no target or one target, and the default `type="external"`; no eventless
//!   transitions;
//! - no data model: a `cond` is either absent or `_event.data.accepted` (what the caller of a
//!   guarded statewright transition decides);
//! - executable content is not run: a microstep reports the states it exits and the states it
//!   enters, in the order their `<onexit>` and `<onentry>` handlers run, which is what the
//!   tests compare.
//!
//! Without parallel states the configuration is one atomic state and its ancestors, so some
//! steps of the algorithm have nothing to do (each says so); they are kept so that the code
//! reads next to the spec.

/// A state of a [`Document`]: an index into [`Document::states`].
pub type StateId = usize;

/// The `<scxml>` element, the root of every document.
pub const SCXML: StateId = 0;

/// A chart: the `<scxml>` element (state [`SCXML`]) and the states inside it.
#[derive(Clone, Debug)]
pub struct Document {
    pub states: Vec<State>,
}

/// A `<state>`, a `<final>`, or the `<scxml>` element.
#[derive(Clone, Debug)]
pub struct State {
    /// The `id` attribute (`"scxml"` for the root).
    pub id: String,
    pub parent: Option<StateId>,
    /// The child states, in document order.
    pub children: Vec<StateId>,
    /// The `initial` attribute of a compound state or of `<scxml>`: the child its default
    /// initial transition targets (§3.6: without it, the first child in document order).
    pub initial: Option<StateId>,
    /// The `<transition>` children, in document order.
    pub transitions: Vec<Transition>,
    /// A `<final>` element.
    pub is_final: bool,
}

/// A `<transition>` element (always `type="external"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub event: String,
    /// `cond="_event.data.accepted"`.
    pub guarded: bool,
    /// The `target` attribute; `None` for a targetless transition (§3.5: it exits and enters
    /// nothing).
    pub target: Option<StateId>,
}

/// An external event: its name, and the one data field a `cond` reads.
#[derive(Clone, Debug)]
pub struct Event {
    pub name: String,
    /// `_event.data.accepted`.
    pub accepted: bool,
}

impl Document {
    /// A document with the `<scxml>` element only.
    pub fn new() -> Self {
        Document {
            states: vec![State {
                id: "scxml".to_owned(),
                parent: None,
                children: Vec::new(),
                initial: None,
                transitions: Vec::new(),
                is_final: false,
            }],
        }
    }

    /// Adds a `<state>` (or a `<final>`) as the last child of `parent`.
    pub fn add_state(&mut self, id: &str, parent: StateId, is_final: bool) -> StateId {
        let state = self.states.len();
        self.states.push(State {
            id: id.to_owned(),
            parent: Some(parent),
            children: Vec::new(),
            initial: None,
            transitions: Vec::new(),
            is_final,
        });
        self.states[parent].children.push(state);
        state
    }

    /// Adds a `<transition>` as the last one of `source`.
    pub fn add_transition(&mut self, source: StateId, transition: Transition) {
        self.states[source].transitions.push(transition);
    }

    /// Each state's position in document order (§D, "documentOrder": the order of the
    /// elements' start tags, which for states is a pre-order walk of the tree).
    fn document_order(&self) -> Vec<usize> {
        fn walk(doc: &Document, state: StateId, order: &mut Vec<usize>, next: &mut usize) {
            order[state] = *next;
            *next += 1;
            for &child in &doc.states[state].children {
                walk(doc, child, order, next);
            }
        }
        let mut order = vec![0; self.states.len()];
        walk(self, SCXML, &mut order, &mut 0);
        order
    }
}

/// A transition the interpreter takes: a `<transition>` element, or the default initial
/// transition of a compound state or of the document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Taken {
    /// The state the `<transition>` is a child of (for an initial transition, the state whose
    /// initial child it enters).
    pub source: StateId,
    /// Its position among the source's transitions; `None` for an initial transition.
    pub index: Option<usize>,
    pub target: Option<StateId>,
    /// `type="internal"`: only initial transitions are (they never leave their source).
    internal: bool,
}

/// What one microstep did: the transition it took, the states it exited in exit order
/// (innermost first), and the states it entered in entry order (outermost first).
#[derive(Clone, Debug, PartialEq)]
pub struct Microstep {
    pub transition: Taken,
    pub exited: Vec<StateId>,
    pub entered: Vec<StateId>,
}

/// A running session of a [`Document`].
pub struct Interpreter<'d> {
    doc: &'d Document,
    /// Each state's position in document order.
    order: Vec<usize>,
    /// The active states (§D `configuration`), in the order they were entered.
    pub configuration: Vec<StateId>,
    /// False once a top-level `<final>` is entered (§D `running`).
    pub running: bool,
    /// The events the interpreter raises itself (§D `internalQueue`): `done.state.<id>`.
    internal_queue: std::collections::VecDeque<Event>,
}

impl<'d> Interpreter<'d> {
    /// §D `interpret(doc)`: starts a session, entering the document's initial states
    /// (`enterStates([doc.initial.transition])`), then completing the macrostep as
    /// `mainEventLoop` does before it takes an external event. Returns the session and the
    /// microsteps: the first enters the initial states, outermost first.
    ///
    /// The spec leaves the domain of `doc.initial.transition` implicit (its source is the
    /// `<scxml>` element, which has no proper ancestor for `findLCCA` to return); it is taken
    /// as an internal transition of the `<scxml>` element, whose domain is that element, by
    /// the first rule of `getTransitionDomain`: every one of its targets is inside it.
    pub fn interpret(doc: &'d Document) -> (Self, Vec<Microstep>) {
        let mut session = Interpreter {
            doc,
            order: doc.document_order(),
            configuration: Vec::new(),
            running: true,
            internal_queue: Default::default(),
        };
        let initial = session.initial_transition(SCXML);
        let entered = session.enter_states(&[initial]);
        let mut steps = vec![Microstep {
            transition: initial,
            exited: Vec::new(),
            entered,
        }];
        steps.extend(session.macrostep());
        (session, steps)
    }

    /// A session in `state` (an atomic state): its configuration is the state and its
    /// ancestors, as after a transition into it, and it has ended if the state is a top-level
    /// `<final>`. Not in the spec: for testing every state without finding a way to it.
    pub fn in_state(doc: &'d Document, state: StateId) -> Self {
        let (mut session, _) = Interpreter::interpret(doc);
        session.configuration = std::iter::once(state)
            .chain(session.get_proper_ancestors(state, None))
            .filter(|&s| s != SCXML)
            .collect();
        session.configuration.reverse();
        session.internal_queue.clear();
        session.running = !(doc.states[state].is_final && doc.states[state].parent == Some(SCXML));
        session
    }

    /// The default initial transition of a compound state or of the document (§3.6: the
    /// `initial` attribute, else the first child in document order).
    fn initial_transition(&self, state: StateId) -> Taken {
        let s = &self.doc.states[state];
        Taken {
            source: state,
            index: None,
            target: s.initial.or(s.children.first().copied()),
            internal: true,
        }
    }

    /// The active atomic state.
    pub fn atomic_state(&self) -> Option<StateId> {
        self.configuration
            .iter()
            .copied()
            .find(|&s| self.is_atomic_state(s))
    }

    /// §D `mainEventLoop`, for one external event: selects the transitions it enables and takes
    /// them (one microstep), then completes the macrostep. Returns every microstep taken, none
    /// when the event enables nothing or the session has ended.
    pub fn send(&mut self, event: &Event) -> Vec<Microstep> {
        if !self.running {
            return Vec::new();
        }
        let mut steps = Vec::new();
        let enabled = self.select_transitions(event);
        if !enabled.is_empty() {
            steps.push(self.microstep(&enabled));
        }
        steps.extend(self.macrostep());
        steps
    }

    /// The macrostep of §D `mainEventLoop`, to completion: eventless transitions (there are
    /// none here), then the internal events (`done.state.<id>`) one by one, each processed like
    /// an external one.
    fn macrostep(&mut self) -> Vec<Microstep> {
        let mut steps = Vec::new();
        while self.running {
            let Some(internal) = self.internal_queue.pop_front() else {
                break;
            };
            let enabled = self.select_transitions(&internal);
            if !enabled.is_empty() {
                steps.push(self.microstep(&enabled));
            }
        }
        steps
    }

    /// §D `selectTransitions(event)`: for each active atomic state (here one), the first
    /// transition in document order, of the state or else of its nearest ancestor that has
    /// one, whose event matches and whose `cond` holds.
    pub fn select_transitions(&self, event: &Event) -> Vec<Taken> {
        let mut enabled = Vec::new();
        let mut atomic_states: Vec<StateId> = self
            .configuration
            .iter()
            .copied()
            .filter(|&s| self.is_atomic_state(s))
            .collect();
        atomic_states.sort_by_key(|&s| self.order[s]);
        for state in atomic_states {
            let chain = std::iter::once(state).chain(self.get_proper_ancestors(state, None));
            'chain: for s in chain {
                for (index, t) in self.doc.states[s].transitions.iter().enumerate() {
                    if t.event == event.name && (!t.guarded || event.accepted) {
                        let taken = Taken {
                            source: s,
                            index: Some(index),
                            target: t.target,
                            internal: false,
                        };
                        if !enabled.contains(&taken) {
                            enabled.push(taken);
                        }
                        break 'chain;
                    }
                }
            }
        }
        self.remove_conflicting_transitions(enabled)
    }

    /// §D `removeConflictingTransitions`: keeps, of transitions whose exit sets intersect, the
    /// one whose source is a descendant of the other's (else the first in document order).
    /// With one atomic state, at most one transition is enabled: nothing conflicts.
    fn remove_conflicting_transitions(&self, enabled: Vec<Taken>) -> Vec<Taken> {
        assert!(
            enabled.len() <= 1,
            "one atomic state enables one transition"
        );
        enabled
    }

    /// §D `microstep(enabledTransitions)`: exit, run the transitions' content, enter.
    fn microstep(&mut self, enabled: &[Taken]) -> Microstep {
        let exited = self.exit_states(enabled);
        // executeTransitionContent: nothing to run.
        let entered = self.enter_states(enabled);
        Microstep {
            transition: enabled[0],
            exited,
            entered,
        }
    }

    /// §D `exitStates(enabledTransitions)`: leaves the exit set in exit order (reverse document
    /// order: innermost first), running each state's `<onexit>` (here: listing it). No
    /// history to record, no invocation to cancel.
    fn exit_states(&mut self, enabled: &[Taken]) -> Vec<StateId> {
        let mut states_to_exit = self.compute_exit_set(enabled);
        states_to_exit.sort_by_key(|&s| std::cmp::Reverse(self.order[s]));
        for s in &states_to_exit {
            self.configuration.retain(|c| c != s);
        }
        states_to_exit
    }

    /// §D `computeExitSet(transitions)`: the active states inside each transition's domain
    /// (none for a targetless transition).
    fn compute_exit_set(&self, transitions: &[Taken]) -> Vec<StateId> {
        let mut states_to_exit = Vec::new();
        for t in transitions {
            if t.target.is_some() {
                let domain = self.get_transition_domain(t);
                for &s in &self.configuration {
                    if domain.is_some_and(|d| self.is_descendant(s, d))
                        && !states_to_exit.contains(&s)
                    {
                        states_to_exit.push(s);
                    }
                }
            }
        }
        states_to_exit
    }

    /// §D `enterStates(enabledTransitions)`: enters the entry set in entry order (document
    /// order: outermost first), running each state's `<onentry>` (here: listing it). Entering a
    /// `<final>` child of `<scxml>` ends the session; entering another `<final>` raises
    /// `done.state.<parent id>` (no parallel grandparent to complete).
    fn enter_states(&mut self, enabled: &[Taken]) -> Vec<StateId> {
        let mut states_to_enter = Vec::new();
        let mut states_for_default_entry = Vec::new();
        self.compute_entry_set(enabled, &mut states_to_enter, &mut states_for_default_entry);
        states_to_enter.sort_by_key(|&s| self.order[s]);
        for &s in &states_to_enter {
            self.configuration.push(s);
            // onentry; then, for statesForDefaultEntry, the initial transition's content:
            // nothing to run.
            if self.doc.states[s].is_final {
                let parent = self.doc.states[s].parent.unwrap_or(SCXML);
                if parent == SCXML {
                    self.running = false;
                } else {
                    self.internal_queue.push_back(Event {
                        name: format!("done.state.{}", self.doc.states[parent].id),
                        accepted: false,
                    });
                }
            }
        }
        states_to_enter
    }

    /// §D `computeEntrySet(transitions, statesToEnter, statesForDefaultEntry, ...)`: each
    /// target with its default descendants, and the target's ancestors below the transition's
    /// domain.
    fn compute_entry_set(
        &self,
        transitions: &[Taken],
        states_to_enter: &mut Vec<StateId>,
        states_for_default_entry: &mut Vec<StateId>,
    ) {
        for t in transitions {
            if let Some(s) = t.target {
                self.add_descendant_states_to_enter(s, states_to_enter, states_for_default_entry);
            }
            let ancestor = self.get_transition_domain(t);
            for s in self.get_effective_target_states(t) {
                self.add_ancestor_states_to_enter(
                    s,
                    ancestor,
                    states_to_enter,
                    states_for_default_entry,
                );
            }
        }
    }

    /// §D `addDescendantStatesToEnter(state, ...)`: the state, and for a compound state its
    /// initial transition's targets, recursively, with their ancestors below the state (none
    /// here: an `initial` attribute names a child). No history states.
    fn add_descendant_states_to_enter(
        &self,
        state: StateId,
        states_to_enter: &mut Vec<StateId>,
        states_for_default_entry: &mut Vec<StateId>,
    ) {
        add(states_to_enter, state);
        if self.is_compound_state(state) {
            add(states_for_default_entry, state);
            let initial = self.initial_transition(state);
            if let Some(s) = initial.target {
                self.add_descendant_states_to_enter(s, states_to_enter, states_for_default_entry);
            }
            for s in self.get_effective_target_states(&initial) {
                self.add_ancestor_states_to_enter(
                    s,
                    Some(state),
                    states_to_enter,
                    states_for_default_entry,
                );
            }
        }
    }

    /// §D `addAncestorStatesToEnter(state, ancestor, ...)`: the proper ancestors of `state`
    /// below `ancestor` (no parallel ones, whose other regions would be entered too).
    fn add_ancestor_states_to_enter(
        &self,
        state: StateId,
        ancestor: Option<StateId>,
        states_to_enter: &mut Vec<StateId>,
        _states_for_default_entry: &mut Vec<StateId>,
    ) {
        for anc in self.get_proper_ancestors(state, ancestor) {
            add(states_to_enter, anc);
        }
    }

    /// §D `getTransitionDomain(t)`: the compound state (or `<scxml>`) that contains the
    /// transition's source and targets and is exited and entered by neither; `None` for a
    /// targetless transition. An internal transition of a compound state whose targets are
    /// all inside it has the source as its domain; any other transition, the least common
    /// compound ancestor of its source and targets.
    fn get_transition_domain(&self, t: &Taken) -> Option<StateId> {
        let tstates = self.get_effective_target_states(t);
        if tstates.is_empty() {
            None
        } else if t.internal
            && (self.is_compound_state(t.source) || t.source == SCXML)
            && tstates.iter().all(|&s| self.is_descendant(s, t.source))
        {
            Some(t.source)
        } else {
            let mut list = vec![t.source];
            list.extend(tstates);
            self.find_lcca(&list)
        }
    }

    /// §D `findLCCA(stateList)`: the innermost compound proper ancestor of the first state
    /// (or `<scxml>`) that contains every other state of the list, strictly.
    fn find_lcca(&self, state_list: &[StateId]) -> Option<StateId> {
        let (head, tail) = state_list.split_first()?;
        self.get_proper_ancestors(*head, None)
            .into_iter()
            .filter(|&anc| anc == SCXML || self.is_compound_state(anc))
            .find(|&anc| tail.iter().all(|&s| self.is_descendant(s, anc)))
    }

    /// §D `getEffectiveTargetStates(transition)`: the targets (no history states to resolve).
    fn get_effective_target_states(&self, t: &Taken) -> Vec<StateId> {
        t.target.into_iter().collect()
    }

    /// §D `getProperAncestors(state1, state2)`: the ancestors of `state1`, parent first, up to
    /// but not including `state2`, or up to and including `<scxml>` when `state2` is `None`.
    fn get_proper_ancestors(&self, state1: StateId, state2: Option<StateId>) -> Vec<StateId> {
        let mut out = Vec::new();
        let mut next = self.doc.states[state1].parent;
        while let Some(s) = next {
            if Some(s) == state2 {
                break;
            }
            out.push(s);
            next = self.doc.states[s].parent;
        }
        out
    }

    /// §D `isDescendant(state1, state2)`: whether `state1` is inside `state2`, strictly.
    fn is_descendant(&self, state1: StateId, state2: StateId) -> bool {
        self.get_proper_ancestors(state1, None).contains(&state2)
    }

    /// §3.1.1: a `<state>` with child states.
    fn is_compound_state(&self, state: StateId) -> bool {
        state != SCXML && !self.doc.states[state].children.is_empty()
    }

    /// §3.1.1: a `<state>` without child states, or a `<final>`.
    fn is_atomic_state(&self, state: StateId) -> bool {
        state != SCXML && self.doc.states[state].children.is_empty()
    }
}

/// §D's `OrderedSet.add`: appends, unless already a member.
fn add(set: &mut Vec<StateId>, state: StateId) {
    if !set.contains(&state) {
        set.push(state);
    }
}

/// The interpreter itself, on charts whose answers the spec spells out.
mod tests {
    use super::*;

    fn plain(event: &str, target: StateId) -> Transition {
        Transition {
            event: event.to_owned(),
            guarded: false,
            target: Some(target),
        }
    }

    fn event(name: &str) -> Event {
        Event {
            name: name.to_owned(),
            accepted: true,
        }
    }

    /// `<scxml initial="a"><state id="a" initial="a1"><state id="a1" initial="a11">
    /// <state id="a11"/></state><state id="a2"/></state><state id="b"/><final id="f"/></scxml>`
    fn chart() -> (Document, [StateId; 6]) {
        let mut doc = Document::new();
        let a = doc.add_state("a", SCXML, false);
        let a1 = doc.add_state("a1", a, false);
        let a11 = doc.add_state("a11", a1, false);
        let a2 = doc.add_state("a2", a, false);
        let b = doc.add_state("b", SCXML, false);
        let f = doc.add_state("f", SCXML, true);
        doc.states[SCXML].initial = Some(a);
        doc.states[a].initial = Some(a1);
        doc.states[a1].initial = Some(a11);
        (doc, [a, a1, a11, a2, b, f])
    }

    #[test]
    fn the_initial_configuration_is_entered_outermost_first() {
        let (doc, [a, a1, a11, ..]) = chart();
        let (session, steps) = Interpreter::interpret(&doc);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].entered, [a, a1, a11]);
        assert_eq!(session.atomic_state(), Some(a11));
    }

    #[test]
    fn the_innermost_enabled_transition_is_taken_and_exits_up_to_the_domain() {
        let (mut doc, [a, a1, a11, a2, b, _]) = chart();
        doc.add_transition(a, plain("e", b));
        doc.add_transition(a1, plain("e", a2));
        let (mut session, _) = Interpreter::interpret(&doc);
        let steps = session.send(&event("e"));
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].transition.source, a1);
        assert_eq!(steps[0].exited, [a11, a1]);
        assert_eq!(steps[0].entered, [a2]);
        // From a2, only `a` handles `e`: out of a, into b; the same from a session placed in a2.
        let mut placed = Interpreter::in_state(&doc, a2);
        assert_eq!(placed.configuration, [a, a2]);
        let steps = session.send(&event("e"));
        assert_eq!(placed.send(&event("e")), steps);
        assert_eq!(
            (steps[0].exited.clone(), steps[0].entered.clone()),
            (vec![a2, a], vec![b])
        );
    }

    #[test]
    fn an_external_transition_to_the_source_or_inside_it_exits_the_source() {
        let (mut doc, [a, a1, a11, a2, ..]) = chart();
        doc.add_transition(a, plain("self", a));
        doc.add_transition(a, plain("down", a2));
        doc.add_transition(a11, plain("leaf", a11));
        let (mut session, _) = Interpreter::interpret(&doc);
        let step = &session.send(&event("self"))[0];
        assert_eq!(
            (step.exited.clone(), step.entered.clone()),
            (vec![a11, a1, a], vec![a, a1, a11])
        );
        let step = &session.send(&event("leaf"))[0];
        assert_eq!(
            (step.exited.clone(), step.entered.clone()),
            (vec![a11], vec![a11])
        );
        let step = &session.send(&event("down"))[0];
        assert_eq!(
            (step.exited.clone(), step.entered.clone()),
            (vec![a11, a1, a], vec![a, a2])
        );
    }

    #[test]
    fn a_false_cond_passes_the_event_to_the_ancestors_and_a_targetless_transition_stays() {
        let (mut doc, [a, _, a11, a2, b, _]) = chart();
        doc.add_transition(
            a11,
            Transition {
                event: "g".into(),
                guarded: true,
                target: Some(a2),
            },
        );
        doc.add_transition(a, plain("g", b));
        doc.add_transition(
            a,
            Transition {
                event: "t".into(),
                guarded: false,
                target: None,
            },
        );
        let (mut session, _) = Interpreter::interpret(&doc);
        let step = &session.send(&event("t"))[0];
        assert_eq!((step.exited.len(), step.entered.len()), (0, 0));
        let declined = Event {
            name: "g".into(),
            accepted: false,
        };
        let step = &session.send(&declined)[0];
        assert_eq!(step.transition.source, a);
        assert_eq!(session.atomic_state(), Some(b));
    }

    #[test]
    fn a_top_level_final_state_ends_the_session_and_a_nested_one_raises_done() {
        let (mut doc, [a, a1, _, a2, _, f]) = chart();
        let done = doc.add_state("done", a1, true);
        doc.add_transition(a, plain("finish", done));
        doc.add_transition(a, plain("done.state.a1", a2));
        doc.add_transition(a2, plain("end", f));
        let (mut session, _) = Interpreter::interpret(&doc);
        let steps = session.send(&event("finish"));
        // `finish` into a1's final child, then the `done.state.a1` it raises.
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1].entered, [a, a2]);
        assert_eq!(session.send(&event("end"))[0].entered, [f]);
        assert!(!session.running);
        assert!(session.send(&event("end")).is_empty());
    }
}
