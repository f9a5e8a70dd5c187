//! Transition diagrams: Mermaid, Graphviz DOT, PlantUML, SVG and SCXML from one definition.
//!
//! A [`Chart`] is the owned, renderable form of a machine: its states (with docs,
//! initial/terminal flags and entry/exit hooks) and transitions (plain, guarded, or branches of
//! a choice), each marked with a [`Change`] when the chart shows
//! the difference between two versions of a machine ([`Chart::diff`]). A chart comes from a
//! [`Definition`] ([`Definition::chart`]), from the definition JSON that
//! [`Chart::to_json`] writes (with serde, feature `serde`), or from a [`ChartBuilder`].
//!
//! A hierarchical machine's chart also has its composite states ([`Chart::composites`]): each
//! state's parent ([`ChartState::parent`]), and for each transition the composite it is
//! declared on and the composite it targets ([`ChartTransition::source`],
//! [`ChartTransition::target`]). [`Chart::transitions`] stays the flat list of the definition
//! (every inherited copy, what replay and the [fingerprint](Chart::fingerprint) use); the
//! diagrams draw [`Chart::declared`]: a composite's transition once, from its border. Every
//! format nests: Mermaid and PlantUML `state Active { ... }` blocks with their own start
//! arrow, DOT clusters (`lhead`/`ltail` clip edges at a cluster's border), SCXML nested
//! `<state initial="...">` elements, a markdown table of where each state is, and SVG boxes
//! laid out inside each other. A flat machine's output is what it was before composites
//! existed, byte for byte.
//!
//! Every output is deterministic: states in declaration order, transitions in declaration
//! order, no hash maps, no floating-point formatting that depends on the platform. The same
//! definition gives byte-identical text on every build and platform, so rendered files can be
//! committed and checked for drift ([`assert_committed`], with `std`).
//!
//! ```
//! use statewright::state_machine;
//!
//! #[state_machine]
//! enum Light {
//!     /// No light.
//!     #[initial]
//!     #[on(toggle -> On)]
//!     Off,
//!     #[on(toggle -> Off)]
//!     On,
//! }
//!
//! # fn main() {
//! use statewright::StateMachine;
//! let mermaid = Light::DEFINITION.mermaid();
//! assert!(mermaid.starts_with("stateDiagram-v2\n"));
//! assert!(mermaid.contains("    Off --> On: toggle\n"));
//! assert!(Light::DEFINITION.dot().contains("\"On\" -> \"Off\" [label=\"toggle\"];"));
//! # }
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::definition::Definition;

#[cfg(feature = "std")]
mod check;
mod diff;
pub(crate) mod json;
mod layout;
mod nested;
mod svg;
mod text;

#[cfg(test)]
mod tests;

#[cfg(feature = "std")]
pub use self::check::{
    Drift, Stale, UPDATE_VAR, assert_committed, check_files, committed, file_path,
    update_requested, write_files,
};
pub use self::diff::Diff;
pub use self::json::FORMAT as JSON_FORMAT;
#[cfg(feature = "serde")]
pub use self::json::{DefinitionError, MAX_DEFINITION_LEN};

/// How an item of a [`Chart`] changed between two versions of a machine ([`Chart::diff`]).
///
/// A chart made from one definition has only [`Change::Unchanged`] items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Change {
    /// In both versions (drawn plain).
    #[default]
    Unchanged,
    /// Only in the new version (drawn highlighted).
    Added,
    /// Only in the old version (drawn dashed or struck).
    Removed,
}

impl Change {
    /// `' '`, `'+'` or `'-'`: the mark a text diff puts before the item.
    pub const fn sign(self) -> char {
        match self {
            Change::Unchanged => ' ',
            Change::Added => '+',
            Change::Removed => '-',
        }
    }
}

/// A state of a [`Chart`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartState {
    name: String,
    doc: String,
    initial: bool,
    terminal: bool,
    entry: bool,
    exit: bool,
    change: Change,
    /// The composite the state is directly inside (an index into [`Chart::composites`]).
    parent: Option<usize>,
}

impl ChartState {
    /// The state's name (the enum variant).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The state's doc comment, trimmed; empty when it has none.
    pub fn doc(&self) -> &str {
        &self.doc
    }

    /// The first paragraph of the doc comment on one line: what diagrams show.
    pub fn summary(&self) -> String {
        summary(&self.doc)
    }

    /// Whether this is the initial state.
    pub fn is_initial(&self) -> bool {
        self.initial
    }

    /// Whether this is a terminal state.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Whether a hook runs when the machine enters this state (`#[enter]`).
    pub fn has_entry_hook(&self) -> bool {
        self.entry
    }

    /// Whether a hook runs when the machine leaves this state (`#[exit]`).
    pub fn has_exit_hook(&self) -> bool {
        self.exit
    }

    /// What diagrams write for the state's hooks: `entry hook`, `exit hook`,
    /// `entry / exit hooks`, or nothing.
    pub(crate) fn hooks_text(&self) -> Option<&'static str> {
        hooks_text(self.entry, self.exit)
    }

    /// How the state changed, in a chart made by [`Chart::diff`].
    pub fn change(&self) -> Change {
        self.change
    }

    /// The composite state this state is directly inside, as an index into
    /// [`Chart::composites`]; `None` at the top level (always, in a flat chart).
    pub fn parent(&self) -> Option<usize> {
        self.parent
    }
}

/// A state or a composite state of a [`Chart`]: what a transition is declared on or targets,
/// and what a composite's initial child is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChartNode {
    /// A state, by index into [`Chart::states`].
    State(usize),
    /// A composite state, by index into [`Chart::composites`].
    Composite(usize),
}

/// A composite state of a [`Chart`] (`#[composite(Active, ...)]`): a group of states and
/// composites that transitions can be declared on and can target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartComposite {
    name: String,
    doc: String,
    parent: Option<usize>,
    initial: ChartNode,
    entry: bool,
    exit: bool,
}

impl ChartComposite {
    /// The composite's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its description (`doc = "..."`), trimmed; empty when it has none.
    pub fn doc(&self) -> &str {
        &self.doc
    }

    /// The first paragraph of the description on one line: what diagrams show.
    pub fn summary(&self) -> String {
        summary(&self.doc)
    }

    /// The composite it is directly inside, as an index into [`Chart::composites`].
    pub fn parent(&self) -> Option<usize> {
        self.parent
    }

    /// The child a transition to this composite enters (its `initial`).
    pub fn initial(&self) -> ChartNode {
        self.initial
    }

    /// Whether a hook runs when the machine enters this composite.
    pub fn has_entry_hook(&self) -> bool {
        self.entry
    }

    /// Whether a hook runs when the machine leaves this composite.
    pub fn has_exit_hook(&self) -> bool {
        self.exit
    }

    /// What diagrams write for the composite's hooks (as [`ChartState`]'s).
    pub(crate) fn hooks_text(&self) -> Option<&'static str> {
        hooks_text(self.entry, self.exit)
    }
}

/// `entry hook`, `exit hook`, `entry / exit hooks`, or nothing.
fn hooks_text(entry: bool, exit: bool) -> Option<&'static str> {
    match (entry, exit) {
        (true, true) => Some("entry / exit hooks"),
        (true, false) => Some("entry hook"),
        (false, true) => Some("exit hook"),
        (false, false) => None,
    }
}

/// A transition of a [`Chart`]: `from --event--> to`, with states as indices into
/// [`Chart::states`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartTransition {
    from: usize,
    event: String,
    to: usize,
    guarded: bool,
    /// The state's timeout, in milliseconds, when this transition is one.
    after_ms: Option<u64>,
    /// Whether the event is internal (raised by the machine itself; a timeout's always is).
    internal: bool,
    /// Computed when the chart is built (see [`mark_choices`]).
    choice: bool,
    change: Change,
    /// The composite the transition is declared on, when `from` inherits it.
    source: Option<usize>,
    /// The composite the transition targets, when `to` is the state it leads to.
    target: Option<usize>,
}

impl ChartTransition {
    /// The index of the source state in [`Chart::states`].
    pub fn from(&self) -> usize {
        self.from
    }

    /// The event's name.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The index of the target state in [`Chart::states`].
    pub fn to(&self) -> usize {
        self.to
    }

    /// Whether the transition leads back to its source state.
    pub fn is_self_loop(&self) -> bool {
        self.from == self.to
    }

    /// Whether the transition is guarded (`#[on(pay -> Paid?)]`): the caller may decline it,
    /// and the machine then stays where it is. Diagrams label it `pay [guard]`.
    pub fn is_guarded(&self) -> bool {
        self.guarded
    }

    /// After how long in its source state the transition fires by itself, when it is the
    /// state's timeout (`#[timeout(30s -> Expired)]`). Diagrams label it `after 30s` (with the
    /// event's name before it when the event is not the default `timeout`).
    pub fn timeout(&self) -> Option<core::time::Duration> {
        self.after_ms.map(core::time::Duration::from_millis)
    }

    /// Whether the transition's event is internal: the machine raises it itself (a timeout's
    /// event, or one named in `#[state_machine(internal(...))]`), so it is not taken from
    /// outside (see [`EventInfo::is_internal`](crate::EventInfo::is_internal)). The
    /// definition JSON writes `"internal": true` on such a transition unless it is a timeout
    /// (`"after_ms"` says so already).
    pub fn is_internal(&self) -> bool {
        self.internal || self.after_ms.is_some()
    }

    /// The text diagrams write on the transition's arrow: the event (`pay`), `pay [guard]`
    /// for a guarded one, `after 30s` / `expire after 30s` for a timeout.
    pub fn label(&self) -> String {
        self.label_tail(self.label_head())
    }

    /// The first part of the label, the one a diff chart marks: the event's name, or
    /// `after 30s` for a timeout of the default `timeout` event.
    pub(crate) fn label_head(&self) -> String {
        match self.after_ms {
            Some(ms) if self.event == "timeout" => alloc::format!("after {}", duration_text(ms)),
            _ => self.event.clone(),
        }
    }

    /// `head` (the label's first part, marked or escaped by the format) followed by the rest:
    /// `[guard]` for a guarded transition, `after 30s` for a timeout of a named event.
    pub(crate) fn label_tail(&self, head: String) -> String {
        let mut out = head;
        let mut push = |part: &str| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(part);
        };
        if self.guarded {
            push(text::GUARD);
        }
        if let Some(ms) = self.after_ms.filter(|_| self.event != "timeout") {
            push(&alloc::format!("after {}", duration_text(ms)));
        }
        out
    }

    /// Whether the transition is one branch of a choice (`#[on(pay -> Paid | Declined)]`): its
    /// source state leaves by the same event to another target too (in the same version of
    /// the machine, in a diff chart). Diagrams draw a choice as one arrow into a choice node
    /// and one arrow from it to each target.
    pub fn is_choice(&self) -> bool {
        self.choice
    }

    /// How the transition changed, in a chart made by [`Chart::diff`].
    pub fn change(&self) -> Change {
        self.change
    }

    /// Where the transition is declared: its source state, or the composite state that
    /// source inherits it from (`#[composite(Active, on(cancel -> Cancelled))]`).
    pub fn source(&self) -> ChartNode {
        self.source
            .map_or(ChartNode::State(self.from), ChartNode::Composite)
    }

    /// The target as declared: the target state, or the composite state whose initial state
    /// [`to`](Self::to) is.
    pub fn target(&self) -> ChartNode {
        self.target
            .map_or(ChartNode::State(self.to), ChartNode::Composite)
    }

    /// Whether the source state inherits this transition from a composite state it is inside.
    pub fn is_inherited(&self) -> bool {
        self.source.is_some()
    }
}

/// The owned, renderable form of a machine: what every diagram format is drawn from.
///
/// A chart is always consistent: state names are unique, transitions refer to its states, and
/// no state leaves by the same event to the same target twice. A state that leaves by one
/// event to several targets has a *choice* ([`ChartTransition::is_choice`]), drawn through a
/// choice node. Renderers rely on that and never fail.
///
/// ```
/// use statewright::diagram::Chart;
///
/// let mut chart = Chart::builder("Door");
/// let closed = chart.state("Closed").initial().doc("Shut.").id();
/// let open = chart.state("Open").id();
/// chart.transition(closed, "open", open).transition(open, "close", closed);
/// let chart = chart.build().unwrap();
/// assert_eq!(
///     chart.mermaid(),
///     "stateDiagram-v2\n    [*] --> Closed\n    Closed --> Open: open\n    Open --> Closed: close\n    note right of Closed: Shut.\n"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    name: String,
    doc: String,
    states: Vec<ChartState>,
    transitions: Vec<ChartTransition>,
    /// The composite states; empty for a flat machine.
    composites: Vec<ChartComposite>,
}

/// A diagram format that a [`Chart`] renders to ([`Chart::render`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Mermaid `stateDiagram-v2` (renders on the common code hosts).
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// PlantUML state diagram.
    PlantUml,
    /// SVG, laid out without any external program.
    Svg,
    /// W3C SCXML, for tools that import state charts.
    Scxml,
    /// A markdown transition table.
    Markdown,
    /// The definition JSON ([`Chart::to_json`]).
    Json,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 7] = [
        Format::Mermaid,
        Format::Dot,
        Format::PlantUml,
        Format::Svg,
        Format::Scxml,
        Format::Markdown,
        Format::Json,
    ];

    /// The usual file extension, without the dot: `mmd`, `dot`, `puml`, `svg`, `scxml`, `md`,
    /// `json`.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Mermaid => "mmd",
            Format::Dot => "dot",
            Format::PlantUml => "puml",
            Format::Svg => "svg",
            Format::Scxml => "scxml",
            Format::Markdown => "md",
            Format::Json => "json",
        }
    }

    /// The format's name as the command-line tool spells it: `mermaid`, `dot`, `plantuml`,
    /// `svg`, `scxml`, `markdown`, `json`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
            Format::PlantUml => "plantuml",
            Format::Svg => "svg",
            Format::Scxml => "scxml",
            Format::Markdown => "markdown",
            Format::Json => "json",
        }
    }

    /// The format with this [name](Format::name) or [extension](Format::extension).
    ///
    /// ```
    /// use statewright::diagram::Format;
    /// assert_eq!(Format::from_name("plantuml"), Some(Format::PlantUml));
    /// assert_eq!(Format::from_name("mmd"), Some(Format::Mermaid));
    /// assert_eq!(Format::from_name("png"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name || f.extension() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a chart could not be built: from a [`ChartBuilder`] or from definition JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartError {
    /// The chart has no states.
    NoStates,
    /// No state is initial, or more than one is.
    Initial {
        /// How many states are marked initial.
        count: usize,
    },
    /// Two states have the same name.
    DuplicateState(String),
    /// A state name or event name is empty.
    EmptyName,
    /// A transition names a state the chart does not have.
    UnknownState(String),
    /// A state leaves by the same event to the same target twice. (The same event to
    /// different targets is a choice, which charts accept.)
    DuplicateTransition {
        /// The source state.
        from: String,
        /// The event.
        event: String,
        /// The target state.
        to: String,
    },
    /// The composite states do not form a tree around the states, or do not fit the
    /// transitions: a parent that is not a composite, a composite inside itself or nested
    /// deeper than [`MAX_NESTING`], an initial child not inside its composite, an initial
    /// state its composites do not start in, a transition declared on a composite its source
    /// is not inside, or one targeting a composite that does not start in its target. The
    /// text says which.
    Hierarchy(String),
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartError::NoStates => f.write_str("the machine has no states"),
            ChartError::Initial { count: 0 } => f.write_str("no state is initial"),
            ChartError::Initial { count } => write!(f, "{count} states are initial; one must be"),
            ChartError::DuplicateState(name) => write!(f, "state `{name}` is defined twice"),
            ChartError::EmptyName => f.write_str("a state or event name is empty"),
            ChartError::UnknownState(name) => {
                write!(f, "a transition names `{name}`, which is not a state")
            }
            ChartError::DuplicateTransition { from, event, to } => {
                write!(f, "state `{from}` leaves by `{event}` to `{to}` twice")
            }
            ChartError::Hierarchy(text) => f.write_str(text),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ChartError {}

/// The most points the SVG layout places: one per state and choice node, plus one per rank
/// that each transition crosses ([`Chart::try_svg`]).
///
/// Each point costs memory and time in every step of the layout and becomes a piece of path in
/// the image, so a chart whose transitions jump across many ranks (a long chain with an edge
/// back from every state to the first, say) needs about the square of its states. At the limit
/// the layout takes about a second and 100 MB and the image is about 15 MB; above it,
/// [`Chart::try_svg`] refuses and [`Chart::svg`] draws a small image that says so. The text
/// formats have no such limit.
pub const MAX_LAYOUT_POINTS: usize = layout::MAX_VERTICES;

/// A chart too large for the SVG layout: it needs more than [`MAX_LAYOUT_POINTS`] points.
///
/// ```
/// use statewright::diagram::{Chart, LayoutTooLarge, MAX_LAYOUT_POINTS};
///
/// let mut chart = Chart::builder("Wide");
/// let ids: Vec<usize> = (0..600)
///     .map(|i| {
///         let mut state = chart.state(&format!("S{i}"));
///         if i == 0 {
///             state.initial();
///         }
///         state.id()
///     })
///     .collect();
/// for i in 1..ids.len() {
///     chart.transition(ids[i - 1], "next", ids[i]).transition(ids[i], "back", ids[0]);
/// }
/// let error: LayoutTooLarge = chart.build().unwrap().try_svg().unwrap_err();
/// assert!(error.points > MAX_LAYOUT_POINTS);
/// assert!(error.to_string().starts_with("the chart is too large to lay out as SVG"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutTooLarge {
    /// How many points the layout would need.
    pub points: usize,
    /// The most it places: [`MAX_LAYOUT_POINTS`].
    pub limit: usize,
}

impl fmt::Display for LayoutTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the chart is too large to lay out as SVG: it needs {} layout points (a point per \
             state plus one per rank each transition crosses), more than the {} the layout \
             places; render it as Mermaid, DOT or PlantUML instead",
            self.points, self.limit
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LayoutTooLarge {}

/// Builds a [`Chart`] by hand (or from another description of a machine); see [`Chart::builder`].
#[derive(Debug, Clone)]
pub struct ChartBuilder {
    chart: Chart,
    error: Option<ChartError>,
}

/// A state being added to a [`ChartBuilder`]; its methods set the state's flags and doc.
#[derive(Debug)]
pub struct StateBuilder<'a> {
    builder: &'a mut ChartBuilder,
    index: usize,
}

impl StateBuilder<'_> {
    fn state(&mut self) -> &mut ChartState {
        &mut self.builder.chart.states[self.index]
    }

    /// Marks the state initial.
    pub fn initial(&mut self) -> &mut Self {
        self.state().initial = true;
        self
    }

    /// Marks the state terminal.
    pub fn terminal(&mut self) -> &mut Self {
        self.state().terminal = true;
        self
    }

    /// Sets the state's doc comment.
    pub fn doc(&mut self, doc: &str) -> &mut Self {
        self.state().doc = doc.trim().to_string();
        self
    }

    /// Marks the state as having an entry hook (`#[enter]`).
    pub fn entry_hook(&mut self) -> &mut Self {
        self.state().entry = true;
        self
    }

    /// Marks the state as having an exit hook (`#[exit]`).
    pub fn exit_hook(&mut self) -> &mut Self {
        self.state().exit = true;
        self
    }

    /// Marks how the state changed (for diff charts).
    pub fn change(&mut self, change: Change) -> &mut Self {
        self.state().change = change;
        self
    }

    /// Puts the state inside the composite state `composite` (an index of
    /// [`ChartBuilder::composite`]; see there).
    pub fn parent(&mut self, composite: usize) -> &mut Self {
        self.state().parent = Some(composite);
        self
    }

    /// The state's index, for [`ChartBuilder::transition`].
    pub fn id(&self) -> usize {
        self.index
    }
}

/// A composite state being added to a [`ChartBuilder`] ([`ChartBuilder::composite`]).
#[derive(Debug)]
pub struct CompositeBuilder<'a> {
    builder: &'a mut ChartBuilder,
    index: usize,
}

impl CompositeBuilder<'_> {
    fn composite(&mut self) -> &mut ChartComposite {
        &mut self.builder.chart.composites[self.index]
    }

    /// Sets the child a transition to the composite enters: one of the states or composites
    /// directly inside it (it may be added later; [`ChartBuilder::build`] checks it).
    pub fn initial(&mut self, child: ChartNode) -> &mut Self {
        self.composite().initial = child;
        self
    }

    /// Puts the composite inside the composite `parent`.
    pub fn parent(&mut self, parent: usize) -> &mut Self {
        self.composite().parent = Some(parent);
        self
    }

    /// Sets the composite's description.
    pub fn doc(&mut self, doc: &str) -> &mut Self {
        self.composite().doc = doc.trim().to_string();
        self
    }

    /// Marks the composite as having an entry hook.
    pub fn entry_hook(&mut self) -> &mut Self {
        self.composite().entry = true;
        self
    }

    /// Marks the composite as having an exit hook.
    pub fn exit_hook(&mut self) -> &mut Self {
        self.composite().exit = true;
        self
    }

    /// The composite's index, for [`StateBuilder::parent`], [`CompositeBuilder::parent`],
    /// [`ChartBuilder::inherited_from`] and [`ChartBuilder::to_composite`].
    pub fn id(&self) -> usize {
        self.index
    }
}

impl ChartBuilder {
    /// Sets the machine's doc comment.
    pub fn doc(&mut self, doc: &str) -> &mut Self {
        self.chart.doc = doc.trim().to_string();
        self
    }

    /// Adds a state; its index is [`StateBuilder::id`] (states are numbered from 0 in the
    /// order they are added).
    pub fn state(&mut self, name: &str) -> StateBuilder<'_> {
        let index = self.chart.states.len();
        self.chart.states.push(ChartState {
            name: name.to_string(),
            doc: String::new(),
            initial: false,
            terminal: false,
            entry: false,
            exit: false,
            change: Change::Unchanged,
            parent: None,
        });
        StateBuilder {
            builder: self,
            index,
        }
    }

    /// Adds a composite state: a group of states (and composites) that transitions can be
    /// declared on and can target. Composites are numbered from 0 in the order they are
    /// added, apart from the states; an index may name a state or composite added later, and
    /// [`build`](Self::build) checks that the whole is a tree.
    ///
    /// The chart's transitions stay those of the states, as a [`Definition`] lists them: a
    /// transition declared on a composite is added once per state that inherits it, each
    /// marked with [`inherited_from`](Self::inherited_from), and a transition to a composite
    /// leads to the state its initial children lead to, marked with
    /// [`to_composite`](Self::to_composite). Diagrams draw such a transition once, from or to
    /// the composite's border.
    ///
    /// ```
    /// use statewright::diagram::{Chart, ChartNode};
    ///
    /// let mut chart = Chart::builder("Order");
    /// let active = chart.composite("Active").initial(ChartNode::State(0)).id();
    /// let pending = chart.state("Pending").initial().parent(active).id();
    /// let paid = chart.state("Paid").parent(active).id();
    /// let cancelled = chart.state("Cancelled").terminal().id();
    /// chart.transition(pending, "pay", paid);
    /// // `cancel` is declared on `Active`: both states inside inherit it.
    /// chart.transition(pending, "cancel", cancelled).inherited_from(active);
    /// chart.transition(paid, "cancel", cancelled).inherited_from(active);
    /// let chart = chart.build().unwrap();
    ///
    /// assert_eq!(chart.transitions().len(), 3);
    /// assert_eq!(chart.declared().len(), 2);
    /// assert!(chart.mermaid().contains(
    ///     "    state Active {\n        Pending\n        Paid\n        [*] --> Pending\n"
    /// ));
    /// assert!(chart.mermaid().contains("    Active --> Cancelled: cancel\n"));
    /// ```
    pub fn composite(&mut self, name: &str) -> CompositeBuilder<'_> {
        let index = self.chart.composites.len();
        self.chart.composites.push(ChartComposite {
            name: name.to_string(),
            doc: String::new(),
            parent: None,
            // Set by `CompositeBuilder::initial`; `build` refuses a composite without one.
            initial: ChartNode::Composite(usize::MAX),
            entry: false,
            exit: false,
        });
        CompositeBuilder {
            builder: self,
            index,
        }
    }

    /// Sets the initial child of composite `composite` ([`CompositeBuilder::initial`]), for a
    /// composite added before its children.
    pub fn composite_initial(&mut self, composite: usize, child: ChartNode) -> &mut Self {
        if let Some(c) = self.chart.composites.get_mut(composite) {
            c.initial = child;
        }
        self
    }

    /// Sets each state's parent and each transition's declaring and targeted composite, by
    /// position, after they were added (`None`: none; extra or missing entries are ignored):
    /// what the rustdoc diagram of a hierarchical machine passes, which lists them apart from
    /// the states and transitions. [`build`](Self::build) checks the result as any other.
    #[doc(hidden)]
    pub fn set_hierarchy(
        &mut self,
        parents: &[Option<usize>],
        origins: &[(Option<usize>, Option<usize>)],
    ) -> &mut Self {
        for (state, parent) in self.chart.states.iter_mut().zip(parents) {
            state.parent = *parent;
        }
        for (t, (source, target)) in self.chart.transitions.iter_mut().zip(origins) {
            t.source = *source;
            t.target = *target;
        }
        self
    }

    /// Marks the transition added last as declared on the composite `composite`, which its
    /// source state is inside and inherits it from (see [`composite`](Self::composite)).
    pub fn inherited_from(&mut self, composite: usize) -> &mut Self {
        if let Some(t) = self.chart.transitions.last_mut() {
            t.source = Some(composite);
        }
        self
    }

    /// Marks the transition added last as targeting the composite `composite`: its target
    /// state is the one the composite's initial children lead to (see
    /// [`composite`](Self::composite)).
    pub fn to_composite(&mut self, composite: usize) -> &mut Self {
        if let Some(t) = self.chart.transitions.last_mut() {
            t.target = Some(composite);
        }
        self
    }

    /// Adds the transition `from --event--> to` (states by index).
    ///
    /// Adding a second transition from the same state by the same event to another target
    /// makes a choice (`#[on(pay -> Paid | Declined)]`):
    ///
    /// ```
    /// use statewright::diagram::Chart;
    ///
    /// let mut chart = Chart::builder("Order");
    /// let pending = chart.state("Pending").initial().id();
    /// let paid = chart.state("Paid").terminal().id();
    /// let declined = chart.state("Declined").terminal().id();
    /// chart.transition(pending, "pay", paid).transition(pending, "pay", declined);
    /// let chart = chart.build().unwrap();
    /// assert!(chart.transitions().iter().all(|t| t.is_choice()));
    /// assert!(chart.mermaid().contains(
    ///     "    state Pending_pay <<choice>>\n    [*] --> Pending\n    Pending --> Pending_pay: pay\n    Pending_pay --> Paid\n    Pending_pay --> Declined\n"
    /// ));
    /// ```
    pub fn transition(&mut self, from: usize, event: &str, to: usize) -> &mut Self {
        self.push(from, event, to, false, Change::Unchanged)
    }

    /// Adds the guarded transition `from --event--> to` (`#[on(pay -> Paid?)]`): the caller
    /// may decline it, and the machine then stays. Diagrams label it `event [guard]`.
    ///
    /// ```
    /// use statewright::diagram::Chart;
    ///
    /// let mut chart = Chart::builder("Order");
    /// let pending = chart.state("Pending").initial().id();
    /// let paid = chart.state("Paid").terminal().id();
    /// chart.transition_guarded(pending, "pay", paid);
    /// let chart = chart.build().unwrap();
    /// assert!(chart.transitions()[0].is_guarded());
    /// assert!(chart.mermaid().contains("    Pending --> Paid: pay [guard]\n"));
    /// ```
    pub fn transition_guarded(&mut self, from: usize, event: &str, to: usize) -> &mut Self {
        self.push(from, event, to, true, Change::Unchanged)
    }

    /// Adds a transition marked with how it changed (for diff charts).
    pub fn transition_marked(
        &mut self,
        from: usize,
        event: &str,
        to: usize,
        change: Change,
    ) -> &mut Self {
        self.push(from, event, to, false, change)
    }

    /// Adds `from --event--> to` as `from`'s timeout: it fires by itself `after` in `from`
    /// (`#[timeout(30s -> Expired)]`).
    ///
    /// ```
    /// use statewright::diagram::Chart;
    /// use std::time::Duration;
    ///
    /// let mut chart = Chart::builder("Order");
    /// let pending = chart.state("Pending").initial().id();
    /// let expired = chart.state("Expired").terminal().id();
    /// chart.transition_after(pending, "timeout", expired, Duration::from_secs(900));
    /// let chart = chart.build().unwrap();
    /// assert!(chart.mermaid().contains("    Pending --> Expired: after 15min\n"));
    /// ```
    pub fn transition_after(
        &mut self,
        from: usize,
        event: &str,
        to: usize,
        after: core::time::Duration,
    ) -> &mut Self {
        self.push(from, event, to, false, Change::Unchanged);
        if let Some(t) = self.chart.transitions.last_mut() {
            t.after_ms = Some(u64::try_from(after.as_millis()).unwrap_or(u64::MAX));
        }
        self
    }

    /// Marks the transition added last as one of an internal event (JSON reading).
    #[cfg(feature = "serde")]
    pub(crate) fn set_internal(&mut self, internal: bool) {
        if let Some(t) = self.chart.transitions.last_mut() {
            t.internal = internal;
        }
    }

    /// Marks the transition added last as a timeout of `after_ms` (JSON reading).
    #[cfg(feature = "serde")]
    pub(crate) fn set_after(&mut self, after_ms: Option<u64>) {
        if let Some(t) = self.chart.transitions.last_mut() {
            t.after_ms = after_ms;
        }
    }

    pub(crate) fn push(
        &mut self,
        from: usize,
        event: &str,
        to: usize,
        guarded: bool,
        change: Change,
    ) -> &mut Self {
        let states = self.chart.states.len();
        if (from >= states || to >= states) && self.error.is_none() {
            let bad = if from >= states { from } else { to };
            self.error = Some(ChartError::UnknownState(alloc::format!("#{bad}")));
        }
        self.chart.transitions.push(ChartTransition {
            from,
            event: event.to_string(),
            to,
            guarded,
            after_ms: None,
            internal: false,
            choice: false,
            change,
            source: None,
            target: None,
        });
        self
    }

    /// The chart, or the first rule it breaks.
    pub fn build(self) -> Result<Chart, ChartError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut chart = self.chart;
        if chart.states.is_empty() {
            return Err(ChartError::NoStates);
        }
        let count = chart.states.iter().filter(|s| s.initial).count();
        // A diff chart may hold the old initial state (removed) besides the new one.
        let live = chart
            .states
            .iter()
            .filter(|s| s.initial && s.change != Change::Removed)
            .count();
        if live != 1 {
            return Err(ChartError::Initial { count });
        }
        // Indexed, not scanned: a chart read from untrusted JSON may have any size.
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for state in &chart.states {
            if state.name.is_empty() {
                return Err(ChartError::EmptyName);
            }
            if !names.insert(&state.name) {
                return Err(ChartError::DuplicateState(state.name.clone()));
            }
        }
        // The changes seen so far of each (from, event, to).
        let mut seen: BTreeMap<(usize, &str, usize), Vec<Change>> = BTreeMap::new();
        for t in &chart.transitions {
            if t.event.is_empty() {
                return Err(ChartError::EmptyName);
            }
            let changes = seen.entry((t.from, &t.event, t.to)).or_default();
            let twice = changes.iter().any(|&c| coexist_changes(c, t.change));
            if !changes.contains(&t.change) {
                changes.push(t.change);
            }
            if twice {
                return Err(ChartError::DuplicateTransition {
                    from: chart.states[t.from].name.clone(),
                    event: t.event.clone(),
                    to: chart.states[t.to].name.clone(),
                });
            }
        }
        check_hierarchy(&chart)?;
        mark_choices(&mut chart.transitions);
        Ok(chart)
    }
}

/// The most composite states a chart nests inside each other ([`ChartBuilder::build`] and
/// definition JSON refuse deeper nesting, which no machine needs, so that every walk of the
/// tree is short).
pub const MAX_NESTING: usize = 64;

/// Checks that the composites of a chart form a tree whose leaves are the states, that each
/// composite's initial child is inside it, that the initial state is the one the top level's
/// initial children lead to, and that each transition's declaring and targeted composites fit
/// its states.
fn check_hierarchy(chart: &Chart) -> Result<(), ChartError> {
    let bad = |text: String| Err(ChartError::Hierarchy(text));
    let (states, composites) = (&chart.states, &chart.composites);
    let m = composites.len();
    let mut names: BTreeSet<&str> = states.iter().map(|s| s.name.as_str()).collect();
    for c in composites {
        if c.name.is_empty() {
            return Err(ChartError::EmptyName);
        }
        if !names.insert(&c.name) {
            return Err(ChartError::DuplicateState(c.name.clone()));
        }
    }
    for s in states {
        if let Some(p) = s.parent.filter(|&p| p >= m) {
            return bad(alloc::format!(
                "the parent of state `{}` (#{p}) is not a composite state",
                s.name
            ));
        }
    }
    for c in composites {
        if let Some(p) = c.parent.filter(|&p| p >= m) {
            return bad(alloc::format!(
                "the parent of composite state `{}` (#{p}) is not a composite state",
                c.name
            ));
        }
    }
    // Each composite's depth, going up at most MAX_NESTING steps: a cycle never ends, so it
    // is refused as too deep or, when short, as a cycle.
    for (i, c) in composites.iter().enumerate() {
        let mut next = c.parent;
        let mut depth = 1;
        while let Some(p) = next {
            if p == i {
                return bad(alloc::format!(
                    "composite state `{}` is inside itself",
                    c.name
                ));
            }
            depth += 1;
            if depth > MAX_NESTING {
                return bad(alloc::format!(
                    "composite state `{}` is nested more than {MAX_NESTING} deep (or in a cycle)",
                    c.name
                ));
            }
            next = composites[p].parent;
        }
    }
    for (i, c) in composites.iter().enumerate() {
        let parent = match c.initial {
            ChartNode::State(s) => states.get(s).map(|s| s.parent),
            ChartNode::Composite(d) => composites.get(d).map(|d| d.parent),
        };
        if parent != Some(Some(i)) {
            return bad(alloc::format!(
                "the initial child of composite state `{}` is not directly inside it",
                c.name
            ));
        }
    }
    let initial = chart.initial();
    let mut node = ChartNode::State(initial);
    let mut next = states.get(initial).and_then(|s| s.parent);
    while let Some(p) = next {
        if composites[p].initial != node {
            return bad(alloc::format!(
                "the initial state `{}` is not where composite state `{}` starts",
                states[initial].name,
                composites[p].name
            ));
        }
        node = ChartNode::Composite(p);
        next = composites[p].parent;
    }
    for t in &chart.transitions {
        let text = || {
            alloc::format!(
                "`{} --{}--> {}`",
                states[t.from].name,
                t.event,
                states[t.to].name
            )
        };
        if let Some(c) = t.source {
            if c >= m || !chart.ancestors(ChartNode::State(t.from)).any(|a| a == c) {
                return bad(alloc::format!(
                    "{} is declared on a composite state its source is not inside",
                    text()
                ));
            }
        }
        if let Some(c) = t.target {
            if c >= m || chart.entry_state(c) != t.to {
                return bad(alloc::format!(
                    "{} targets a composite state that does not start in its target",
                    text()
                ));
            }
        }
    }
    Ok(())
}

/// Whether two transitions of a chart are in the same version of the machine: always, except
/// an added one and a removed one (of a diff chart).
fn coexist_changes(a: Change, b: Change) -> bool {
    !matches!(
        (a, b),
        (Change::Added, Change::Removed) | (Change::Removed, Change::Added)
    )
}

/// The transitions of each (from, event), as indices in declaration order.
fn by_source_and_event(
    transitions: &[ChartTransition],
    keep: impl Fn(&ChartTransition) -> bool,
) -> BTreeMap<(usize, &str), Vec<usize>> {
    let mut groups: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    for (i, t) in transitions.iter().enumerate() {
        if keep(t) {
            groups.entry((t.from, &t.event)).or_default().push(i);
        }
    }
    groups
}

/// The index of a [`Change`] in per-change counts.
fn change_slot(change: Change) -> usize {
    match change {
        Change::Unchanged => 0,
        Change::Added => 1,
        Change::Removed => 2,
    }
}

/// Sets [`ChartTransition::is_choice`]: the same state leaves by the same event to another
/// target in the same version. (A transition whose target changed, one removed and one added
/// in a diff chart, is not a choice.)
///
/// Linear in the transitions (up to a log factor): per (from, event), the branches are counted
/// by change, in all and per target, and a transition is a choice when some coexisting branch
/// goes elsewhere.
pub(crate) fn mark_choices(transitions: &mut [ChartTransition]) {
    let groups = by_source_and_event(transitions, |_| true);
    let mut choice = alloc::vec![false; transitions.len()];
    for members in groups.values() {
        let mut all = [0usize; 3];
        let mut per_target: BTreeMap<usize, [usize; 3]> = BTreeMap::new();
        for &i in members {
            let t = &transitions[i];
            all[change_slot(t.change)] += 1;
            per_target.entry(t.to).or_default()[change_slot(t.change)] += 1;
        }
        for &i in members {
            let t = &transitions[i];
            let here = per_target.get(&t.to).copied().unwrap_or_default();
            choice[i] = [Change::Unchanged, Change::Added, Change::Removed]
                .into_iter()
                .filter(|&c| coexist_changes(t.change, c))
                .any(|c| all[change_slot(c)] > here[change_slot(c)]);
        }
    }
    for (t, choice) in transitions.iter_mut().zip(choice) {
        t.choice = choice;
    }
}

/// The branches of one choice: the transitions that leave `from` by `event` and are
/// [choices](ChartTransition::is_choice), as indices into [`Chart::transitions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    /// The node index ([`Chart::node_index`]) of the source: a state, or the composite the
    /// transitions are declared on.
    pub(crate) from: usize,
    pub(crate) branches: Vec<usize>,
    /// How the arrow into the choice node changed: added when every branch is, removed when
    /// every branch is, else unchanged.
    pub(crate) change: Change,
}

/// A step of [`Chart::blocks`]: a container (a composite's index, or `composites().len()` for
/// the top level) opened or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Block {
    Open(usize),
    Close(usize),
}

/// What a diagram draws for the transitions, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Drawn {
    /// A transition drawn as one arrow (by index).
    Arrow(usize),
    /// A choice, at the place of its first branch.
    Choice(Choice),
}

impl Chart {
    /// Starts a chart of the machine `name`.
    pub fn builder(name: &str) -> ChartBuilder {
        ChartBuilder {
            chart: Chart {
                name: name.to_string(),
                doc: String::new(),
                states: Vec::new(),
                transitions: Vec::new(),
                composites: Vec::new(),
            },
            error: None,
        }
    }

    /// The chart of a definition, with its choices, guards and hooks.
    pub fn new(definition: &'static Definition) -> Chart {
        let node = |n: crate::Node| match n {
            crate::Node::State(s) => ChartNode::State(s.id().index()),
            crate::Node::Composite(c) => ChartNode::Composite(c.id().index()),
        };
        let composite = |n: crate::Node| match node(n) {
            ChartNode::Composite(c) => Some(c),
            ChartNode::State(_) => None,
        };
        Chart {
            name: definition.name().to_string(),
            doc: definition.doc().to_string(),
            states: definition
                .states()
                .map(|s| ChartState {
                    name: s.name().to_string(),
                    doc: s.doc().to_string(),
                    initial: s.is_initial(),
                    terminal: s.is_terminal(),
                    entry: s.has_entry_hook(),
                    exit: s.has_exit_hook(),
                    change: Change::Unchanged,
                    parent: s.parent().map(|p| p.id().index()),
                })
                .collect(),
            composites: definition
                .composites()
                .map(|c| ChartComposite {
                    name: c.name().to_string(),
                    doc: c.doc().trim().to_string(),
                    parent: c.parent().map(|p| p.id().index()),
                    initial: node(c.initial()),
                    entry: c.has_entry_hook(),
                    exit: c.has_exit_hook(),
                })
                .collect(),
            transitions: definition
                .transitions()
                .map(|t| ChartTransition {
                    from: t.from().id().index(),
                    event: t.event().name().to_string(),
                    to: t.to().id().index(),
                    guarded: t.is_guarded(),
                    after_ms: t
                        .timeout()
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    // A timeout's transition is internal by its `after_ms` (see `is_internal`).
                    internal: t.event().is_internal() && t.timeout().is_none(),
                    choice: t.is_choice(),
                    change: Change::Unchanged,
                    source: composite(t.source()),
                    target: composite(t.target()),
                })
                .collect(),
        }
    }

    /// The machine's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The machine's doc comment; empty when it has none.
    pub fn doc(&self) -> &str {
        &self.doc
    }

    /// The states, in declaration order.
    pub fn states(&self) -> &[ChartState] {
        &self.states
    }

    /// The transitions, in declaration order.
    pub fn transitions(&self) -> &[ChartTransition] {
        &self.transitions
    }

    /// The composite states, in declaration order; none for a flat machine.
    ///
    /// ```
    /// use statewright::diagram::ChartNode;
    /// use statewright::{state_machine, StateMachine};
    ///
    /// #[state_machine]
    /// #[composite(Active, initial, on(cancel -> Cancelled))]
    /// #[derive(Debug, Clone, PartialEq)]
    /// enum Order {
    ///     #[initial]
    ///     #[parent(Active)]
    ///     #[on(pay -> Paid)]
    ///     Pending,
    ///     #[parent(Active)]
    ///     #[on(ship -> Shipped)]
    ///     Paid,
    ///     #[terminal]
    ///     Shipped,
    ///     #[terminal]
    ///     Cancelled,
    /// }
    ///
    /// # fn main() {
    /// let chart = Order::DEFINITION.chart();
    /// assert!(chart.is_hierarchical());
    /// let active = &chart.composites()[0];
    /// assert_eq!((active.name(), active.initial()), ("Active", ChartNode::State(0)));
    /// assert_eq!(chart.states()[1].parent(), Some(0));
    /// assert_eq!(chart.ancestors(ChartNode::State(1)).collect::<Vec<_>>(), [0]);
    ///
    /// // Both states inside `Active` have `cancel`; it is declared once, on `Active`.
    /// assert_eq!(chart.transitions().len(), 4);
    /// let declared: Vec<_> = chart.declared().into_iter().map(|i| &chart.transitions()[i]).collect();
    /// assert_eq!(declared.len(), 3);
    /// assert_eq!(declared[1].event(), "cancel");
    /// assert_eq!(declared[1].source(), ChartNode::Composite(0));
    /// assert_eq!(chart.node_name(declared[1].source()), "Active");
    /// assert!(declared[1].is_inherited());
    /// assert_eq!(chart.fingerprint(), Order::DEFINITION.fingerprint());
    /// # }
    /// ```
    pub fn composites(&self) -> &[ChartComposite] {
        &self.composites
    }

    /// Whether the machine has composite states.
    pub fn is_hierarchical(&self) -> bool {
        !self.composites.is_empty()
    }

    /// The transitions as declared, by index into [`Chart::transitions`], in order: each
    /// state's own, and a composite's once (at its first inheriting state), not once per state
    /// that inherits it. All of them for a flat machine. Diagrams draw these; replay and the
    /// [fingerprint](Chart::fingerprint) use [`Chart::transitions`].
    pub fn declared(&self) -> Vec<usize> {
        let mut seen: BTreeSet<(usize, &str, ChartNode)> = BTreeSet::new();
        self.transitions
            .iter()
            .enumerate()
            .filter(|(_, t)| match t.source {
                None => true,
                Some(c) => seen.insert((c, t.event.as_str(), t.target())),
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The name of a state or composite state (`?` for an index out of range).
    pub fn node_name(&self, node: ChartNode) -> &str {
        match node {
            ChartNode::State(s) => self.states.get(s).map_or("?", |s| s.name()),
            ChartNode::Composite(c) => self.composites.get(c).map_or("?", |c| c.name()),
        }
    }

    /// The composite a state or composite is directly inside.
    pub fn parent_of(&self, node: ChartNode) -> Option<usize> {
        match node {
            ChartNode::State(s) => self.states.get(s).and_then(|s| s.parent),
            ChartNode::Composite(c) => self.composites.get(c).and_then(|c| c.parent),
        }
    }

    /// The composites a state or composite is inside, innermost first (at most
    /// [`MAX_NESTING`] of them, which a built chart never exceeds).
    pub fn ancestors(&self, node: ChartNode) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.parent_of(node);
        core::iter::from_fn(move || {
            let current = next?;
            next = self.composites.get(current).and_then(|c| c.parent);
            Some(current)
        })
        .take(MAX_NESTING)
    }

    /// The state a transition to composite `c` enters: its initial child's, down to a state
    /// (the initial state for an index out of range).
    pub(crate) fn entry_state(&self, c: usize) -> usize {
        let mut node = ChartNode::Composite(c);
        for _ in 0..=MAX_NESTING {
            match node {
                ChartNode::State(s) => return s,
                ChartNode::Composite(c) => match self.composites.get(c) {
                    Some(c) => node = c.initial,
                    None => break,
                },
            }
        }
        self.initial()
    }

    /// How many states and composites transition `t` leaves, counted from its source state
    /// outwards, by the rule the macro compiles (SCXML's transition domain): up to, not
    /// including, the innermost composite that is a proper ancestor of the declaring node and
    /// contains the target; none for a state's own self-loop.
    pub(crate) fn exits(&self, t: &ChartTransition) -> u32 {
        let (source, target) = (t.source(), t.target());
        if source == ChartNode::State(t.from) && target == source {
            return 0;
        }
        let depth = |node: ChartNode| self.ancestors(node).count() + 1;
        let domain = self
            .ancestors(source)
            .find(|&a| self.ancestors(target).any(|b| b == a));
        let domain_depth = domain.map_or(0, |d| depth(ChartNode::Composite(d)));
        let exits = depth(ChartNode::State(t.from)).saturating_sub(domain_depth);
        u32::try_from(exits).unwrap_or(u32::MAX)
    }

    /// The container of a node: the index of its parent composite, or
    /// `composites().len()` for the top level.
    pub(crate) fn container(&self, node: ChartNode) -> usize {
        self.parent_of(node)
            .filter(|&p| p < self.composites.len())
            .unwrap_or(self.composites.len())
    }

    /// Per container (the composites, then the top level), its direct children: states
    /// first, then composites, each in declaration order.
    pub(crate) fn children(&self) -> Vec<Vec<ChartNode>> {
        let mut out: Vec<Vec<ChartNode>> =
            Vec::from_iter((0..=self.composites.len()).map(|_| Vec::new()));
        let nodes = (0..self.states.len())
            .map(ChartNode::State)
            .chain((0..self.composites.len()).map(ChartNode::Composite));
        for node in nodes {
            out[self.container(node)].push(node);
        }
        out
    }

    /// The top level's initial child: the outermost composite the initial state is inside,
    /// or the initial state itself.
    pub(crate) fn top_initial(&self) -> ChartNode {
        let initial = ChartNode::State(self.initial());
        self.ancestors(initial)
            .last()
            .map_or(initial, ChartNode::Composite)
    }

    /// The child a container starts in: a composite's initial child, or the top level's
    /// (`container` is the number of composites; for a flat chart, the initial state).
    pub(crate) fn initial_child(&self, container: usize) -> ChartNode {
        match self.composites.get(container) {
            Some(c) => c.initial(),
            None => self.top_initial(),
        }
    }

    /// A node's summary (the first paragraph of its doc, on one line).
    pub(crate) fn node_summary(&self, node: ChartNode) -> String {
        match node {
            ChartNode::State(s) => self.states[s].summary(),
            ChartNode::Composite(c) => self.composites[c].summary(),
        }
    }

    /// A node's hooks as diagrams name them (`entry / exit hooks`), if it has any.
    pub(crate) fn node_hooks_text(&self, node: ChartNode) -> Option<&'static str> {
        match node {
            ChartNode::State(s) => self.states[s].hooks_text(),
            ChartNode::Composite(c) => self.composites[c].hooks_text(),
        }
    }

    /// The containers in the order a nested text format writes them: each composite opened
    /// after its parent and closed before the next sibling opens (depth-first, children in
    /// [`children`](Self::children) order), the top level first and last. Each with its
    /// depth (0 for the top level). Iterative: the walk holds no stack frames.
    pub(crate) fn blocks(&self) -> Vec<(Block, usize)> {
        let children = self.children();
        let top = self.composites.len();
        let mut out = Vec::new();
        let mut stack = alloc::vec![(top, 0usize, false)];
        while let Some((container, depth, opened)) = stack.pop() {
            if opened {
                out.push((Block::Close(container), depth));
                continue;
            }
            out.push((Block::Open(container), depth));
            stack.push((container, depth, true));
            for &child in children[container].iter().rev() {
                if let ChartNode::Composite(c) = child {
                    stack.push((c, depth + 1, false));
                }
            }
        }
        out
    }

    /// The index of a node among the states and then the composites: what renderers key
    /// their per-node tables by.
    pub(crate) fn node_index(&self, node: ChartNode) -> usize {
        match node {
            ChartNode::State(s) => s,
            ChartNode::Composite(c) => self.states.len() + c,
        }
    }

    /// The node with this [`node_index`](Self::node_index).
    pub(crate) fn node_at(&self, index: usize) -> ChartNode {
        match index.checked_sub(self.states.len()) {
            None => ChartNode::State(index),
            Some(c) => ChartNode::Composite(c),
        }
    }

    /// The node index of the source a transition is drawn from (its declaring node).
    pub(crate) fn source_index(&self, t: &ChartTransition) -> usize {
        self.node_index(t.source())
    }

    /// The node index of the target a transition is drawn to (its declared target).
    pub(crate) fn target_index(&self, t: &ChartTransition) -> usize {
        self.node_index(t.target())
    }

    /// The transitions as diagrams draw them: the [declared](Self::declared) ones as plain
    /// arrows, and the branches of each choice together, at the place of the first branch.
    pub(crate) fn drawn(&self) -> Vec<Drawn> {
        let mut out = Vec::new();
        let declared = self.declared();
        // The branches of each (source node, event), among the declared transitions.
        let mut choices: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
        for &i in &declared {
            let t = &self.transitions[i];
            if t.choice {
                let key = (self.source_index(t), t.event.as_str());
                choices.entry(key).or_default().push(i);
            }
        }
        for &i in &declared {
            let t = &self.transitions[i];
            if !t.choice {
                out.push(Drawn::Arrow(i));
                continue;
            }
            // The first branch takes the group; the later ones find it gone.
            let Some(branches) = choices.remove(&(self.source_index(t), t.event.as_str())) else {
                continue;
            };
            let all = |change: Change| {
                branches
                    .iter()
                    .all(|&j| self.transitions[j].change == change)
            };
            let change = if all(Change::Added) {
                Change::Added
            } else if all(Change::Removed) {
                Change::Removed
            } else {
                Change::Unchanged
            };
            out.push(Drawn::Choice(Choice {
                from: self.source_index(t),
                branches,
                change,
            }));
        }
        out
    }

    /// The index of the state with this name.
    pub fn state_index(&self, name: &str) -> Option<usize> {
        self.states.iter().position(|s| s.name == name)
    }

    /// The initial state's index (of the new version, in a diff chart).
    pub fn initial(&self) -> usize {
        self.states
            .iter()
            .position(|s| s.initial && s.change != Change::Removed)
            .unwrap_or(0)
    }

    /// The name used for files of this machine: the machine's name in snake case
    /// (`TrafficLight` -> `traffic_light`).
    pub fn file_stem(&self) -> String {
        snake_case(&self.name)
    }

    /// Renders the chart in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Mermaid => self.mermaid(),
            Format::Dot => self.dot(),
            Format::PlantUml => self.plantuml(),
            Format::Svg => self.svg(),
            Format::Scxml => self.scxml(),
            Format::Markdown => self.markdown(),
            Format::Json => self.to_json(),
        }
    }

    /// Mermaid `stateDiagram-v2`: a start arrow to the initial state, `[*]` after terminal
    /// states, one labelled arrow per transition, the states' summaries as notes, and, in a
    /// diff chart, added items highlighted and removed ones dashed with struck labels.
    ///
    /// A choice is a `<<choice>>` pseudo-state named after its source and event
    /// (`Pending_pay`), with the event's arrow into it and one unlabelled arrow out of it per
    /// target. A guarded transition is labelled `pay [guard]`. Hooks are noted on their state
    /// (`entry hook`, `exit hook`, `entry / exit hooks`), after the summary if it has one.
    ///
    /// A composite state is a `state Active { ... }` block that declares its children, starts
    /// with `[*] --> ` its initial child and holds the arrows between its children; an arrow
    /// between states of different blocks is written at the top level, after every block
    /// (Mermaid moves a state into the last block that mentions it). A transition declared on
    /// a composite or targeting one is an arrow from or to the composite's name.
    pub fn mermaid(&self) -> String {
        text::mermaid(self)
    }

    /// Graphviz DOT (`digraph`, left to right): a start point, terminal states as double
    /// outlines, summaries as tooltips. A choice is a small diamond (`"Pending.pay"`), a
    /// guarded transition is labelled `pay [guard]`, and a state's hooks are a second, smaller
    /// line of its label.
    ///
    /// A composite state is a `subgraph "cluster_Active"` (labelled, its description the
    /// tooltip) holding its children and a start point (`"Active.[*]"`) with an arrow to its
    /// initial child; the graph is `compound=true`, and an arrow from or to a composite
    /// attaches to that point, clipped at the cluster's border (`ltail`, `lhead`) unless its
    /// other end is inside the cluster.
    pub fn dot(&self) -> String {
        text::dot(self)
    }

    /// A PlantUML state diagram. A choice is a `<<choice>>` state (`Pending_pay`), a guarded
    /// transition is labelled `pay [guard]`, and hooks are a description line of their state
    /// (`Open : entry / exit hooks`). Composite states nest as in [`Chart::mermaid`]:
    /// `state Active { ... }` with `[*] -->` its initial child inside.
    pub fn plantuml(&self) -> String {
        text::plantuml(self)
    }

    /// W3C SCXML: one `<state>` (or `<final>` for terminal states) per state, one
    /// `<transition>` per transition. SCXML has no notion of a diff: removed items are left out.
    ///
    /// The branches of a choice are consecutive transitions on the same event, after a comment
    /// that says the caller chooses (an SCXML interpreter would take the first). A guarded
    /// transition follows a comment that says the caller may decline it; hooks are empty
    /// `<onentry/>` and `<onexit/>` elements (the hooks run in Rust, not in the chart).
    ///
    /// A composite state is a `<state id="Active" initial="Pending">` holding its children; a
    /// transition declared on it is a `<transition>` of that element, and a transition to a
    /// composite targets the composite (SCXML enters its initial child).
    pub fn scxml(&self) -> String {
        text::scxml(self)
    }

    /// A markdown transition table (`| from | event | to |`), which renders everywhere. A
    /// machine with choices or guards gets a last column that says `choice` or `guarded`; one
    /// with hooks lists them under the initial and terminal states.
    ///
    /// A hierarchical machine's also has a table of the states with their parent (the path of
    /// composites they are in, `` `Active` / `Fulfilment` ``) and one of the composites with
    /// their parent and initial child; its transition table lists the transitions as
    /// declared, a composite's once with the composite as its source.
    pub fn markdown(&self) -> String {
        text::markdown(self)
    }

    /// A standalone SVG image, laid out in layers from the initial state, with no script, no
    /// external font and no network access. A choice is drawn as a small diamond between the
    /// source and the targets, a guarded transition is labelled `pay [guard]`, and a state's
    /// hooks are a small line inside its box.
    ///
    /// A composite state is a rounded box around its children (its name in a band at the
    /// top, its description the tooltip, a start dot inside with an arrow to the initial
    /// child), laid out on its own and placed as one box in its parent's layout; a transition
    /// declared on a composite leaves its box's border, one targeting a composite ends on it.
    ///
    /// A chart too large for the layout (more than [`MAX_LAYOUT_POINTS`] points) is drawn as
    /// a small image that says so; [`Chart::try_svg`] returns the error instead.
    pub fn svg(&self) -> String {
        svg::render(self, None)
    }

    /// [`Chart::svg`] with the state at index `state` (into [`Chart::states`]) highlighted:
    /// drawn in bold blue with a thick border, and marked ` (current)` in its tooltip. For a
    /// page that shows where one instance is (an order's current state). Everything else is
    /// byte for byte the image of [`Chart::svg`], and an index out of range highlights
    /// nothing.
    ///
    /// ```
    /// use statewright::diagram::Chart;
    ///
    /// let mut chart = Chart::builder("Light");
    /// let off = chart.state("Off").initial().id();
    /// let on = chart.state("On").id();
    /// chart.transition(off, "toggle", on).transition(on, "toggle", off);
    /// let chart = chart.build().unwrap();
    /// let current = chart.state_index("On").unwrap();
    /// let image = chart.svg_highlighting(current);
    /// assert!(image.contains("<title>On (current)</title>"));
    /// assert_ne!(image, chart.svg());
    /// assert_eq!(chart.svg_highlighting(99), chart.svg());
    /// ```
    pub fn svg_highlighting(&self, state: usize) -> String {
        svg::render(self, Some(state))
    }

    /// The SVG image of [`Chart::svg`], or [`LayoutTooLarge`] when the chart needs more than
    /// [`MAX_LAYOUT_POINTS`] layout points (counted before the layout allocates them).
    ///
    /// ```
    /// use statewright::diagram::Chart;
    ///
    /// let mut chart = Chart::builder("Light");
    /// let off = chart.state("Off").initial().id();
    /// let on = chart.state("On").id();
    /// chart.transition(off, "toggle", on).transition(on, "toggle", off);
    /// assert!(chart.build().unwrap().try_svg().unwrap().starts_with("<svg"));
    /// ```
    pub fn try_svg(&self) -> Result<String, LayoutTooLarge> {
        svg::try_render(self, None)
    }

    /// [`Chart::render`], with the SVG layout's limit as an error rather than an image that
    /// says so ([`Chart::try_svg`]); the other formats always render.
    ///
    /// ```
    /// use statewright::diagram::{Chart, Format};
    ///
    /// let mut chart = Chart::builder("Light");
    /// let off = chart.state("Off").initial().id();
    /// let on = chart.state("On").id();
    /// chart.transition(off, "toggle", on);
    /// let chart = chart.build().unwrap();
    /// assert_eq!(chart.try_render(Format::Mermaid).unwrap(), chart.mermaid());
    /// assert_eq!(chart.try_render(Format::Svg).unwrap(), chart.svg());
    /// ```
    pub fn try_render(&self, format: Format) -> Result<String, LayoutTooLarge> {
        match format {
            Format::Svg => self.try_svg(),
            format => Ok(self.render(format)),
        }
    }
}

impl Definition {
    /// The definition as a [`Chart`], to render or compare.
    pub fn chart(&'static self) -> Chart {
        Chart::new(self)
    }

    /// The definition as a Mermaid `stateDiagram-v2` ([`Chart::mermaid`]).
    pub fn mermaid(&'static self) -> String {
        self.chart().mermaid()
    }

    /// The definition as Graphviz DOT ([`Chart::dot`]).
    pub fn dot(&'static self) -> String {
        self.chart().dot()
    }

    /// The definition as a PlantUML state diagram ([`Chart::plantuml`]).
    pub fn plantuml(&'static self) -> String {
        self.chart().plantuml()
    }

    /// The definition as an SVG image ([`Chart::svg`]).
    pub fn svg(&'static self) -> String {
        self.chart().svg()
    }

    /// The definition as an SVG image with `state` highlighted
    /// ([`Chart::svg_highlighting`]): where one instance is now.
    pub fn svg_highlighting(&'static self, state: crate::StateInfo) -> String {
        self.chart().svg_highlighting(state.id().index())
    }

    /// The definition as W3C SCXML ([`Chart::scxml`]).
    pub fn scxml(&'static self) -> String {
        self.chart().scxml()
    }

    /// The definition as JSON ([`Chart::to_json`]).
    pub fn to_json(&'static self) -> String {
        self.chart().to_json()
    }
}

/// The first paragraph of a doc comment, on one line, without control characters.
pub(crate) fn summary(doc: &str) -> String {
    let mut out = String::new();
    for line in doc.lines() {
        let line = line.trim();
        if line.is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        for c in line.chars() {
            match c {
                '\t' => out.push(' '),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
    }
    out
}

/// `TrafficLight` -> `traffic_light`, `HTTPServer` -> `http_server`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) => {
                    p.is_lowercase() || p.is_numeric() || next.is_some_and(char::is_lowercase)
                }
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `300ms`, `30s`, `15min`, `2h`, `1d`: the largest unit that divides the duration.
pub(crate) fn duration_text(ms: u64) -> String {
    let units: [(u64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "min"),
        (1_000, "s"),
    ];
    for (scale, unit) in units {
        if ms >= scale && ms % scale == 0 {
            return alloc::format!("{}{unit}", ms / scale);
        }
    }
    alloc::format!("{ms}ms")
}
