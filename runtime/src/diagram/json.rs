//! The definition JSON: what is committed next to a machine's diagrams and what the
//! command-line tool reads.
//!
//! One state and one transition per line, so that a change to a machine is a readable diff:
//!
//! ```json
//! {
//!   "format": "statewright-definition/1",
//!   "machine": "Order",
//!   "doc": "An order.",
//!   "initial": "Pending",
//!   "states": [
//!     {"name": "Pending", "doc": "Created.", "terminal": false},
//!     {"name": "Paid", "doc": "", "terminal": false}
//!   ],
//!   "transitions": [
//!     {"from": "Pending", "event": "pay", "to": "Paid"}
//!   ]
//! }
//! ```
//!
//! A state with hooks also has `"entry": true` and/or `"exit": true`, a guarded transition
//! `"guarded": true`, and a transition of an internal event (one the machine raises itself,
//! named in `#[state_machine(internal(...))]`) `"internal": true` (a timeout's transition, whose
//! `"after_ms"` says it is internal, does not repeat it); they are written only when true, so the JSON of a machine without hooks
//! or guards is the same as before they existed. (A choice needs no field: it is two
//! transitions with the same `from` and `event`.) A chart made by [`Chart::diff`] also writes
//! `"change": "added"` or `"removed"` on the items that changed.
//!
//! A hierarchical machine's JSON also lists its composite states, after `"initial"`, and
//! says where each state is and where each transition is declared:
//!
//! ```json
//!   "composites": [
//!     {"name": "Active", "doc": "Can still be cancelled.", "initial": "Pending", "exit": true},
//!     {"name": "Fulfilment", "doc": "", "parent": "Active", "initial": "Paid"}
//!   ],
//!   "states": [
//!     {"name": "Pending", "doc": "", "terminal": false, "parent": "Active"},
//!     ...
//!   ],
//!   "transitions": [
//!     {"from": "Pending", "event": "cancel", "to": "Cancelled", "source": "Active"},
//!     {"from": "OnHold", "event": "release", "to": "Paid", "target": "Fulfilment"},
//!     ...
//! ```
//!
//! The transitions are still every state's, the inherited ones included (what replay and the
//! fingerprint use); `"source"` names the composite a transition is declared on and
//! `"target"` the composite it targets (`"to"` is the state it leads to). `"parent"`,
//! `"source"` and `"target"` are written only where they say something, and `"composites"`
//! only for a hierarchical machine, so a flat machine's JSON is the same as before composite
//! states existed. Reading refuses a hierarchy that is not a tree around the states: a parent
//! that names no composite, a composite inside itself or nested deeper than
//! [`MAX_NESTING`](super::MAX_NESTING), an initial child not directly inside its composite, an
//! initial state its composites do not start in, a transition declared on a composite its
//! `"from"` is not inside or targeting one that does not start in its `"to"`.
//!
//! Reading (feature `serde`) goes through [`Chart`]'s `Deserialize`, which checks the same
//! rules as [`ChartBuilder::build`](super::ChartBuilder::build): a tampered or hand-edited
//! file is an error, never a panic.
//!
//! # What can go wrong
//!
//! | what happens | what statewright does |
//! |---|---|
//! | definition text longer than [`MAX_DEFINITION_LEN`] (4 MiB) reaches [`Chart::from_json`] | refused before it is parsed: [`DefinitionError::TooLarge`] |
//! | a snapshot, journal header or journal table of another definition holds such text | the mismatch error lists one line saying the recorded definition was not read, instead of the changes |
//! | the text is not a valid definition JSON (truncated, tampered, unknown state, duplicate) | [`DefinitionError::Invalid`] (or the `Deserialize` error) saying what is wrong; in a mismatch error, one line saying so |
//! | a valid definition with many states and transitions | read in time near-linear in its length: states are found by name through an index built once, never by scanning |
//!
//! The cap applies to text that comes from outside the program; `serde_json::from_str::<Chart>`
//! and the command-line tool read definition files the user names without it.

use alloc::string::String;
use core::fmt::Write;

use super::{Change, Chart};

/// The value of the `"format"` field: the JSON layout's name and version.
pub const FORMAT: &str = "statewright-definition/1";

/// A JSON string, quotes included.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `, "name": true` when set, nothing otherwise (so JSON without the feature is unchanged).
fn flag(name: &str, set: bool) -> String {
    if set {
        alloc::format!(", \"{name}\": true")
    } else {
        String::new()
    }
}

fn change(change: Change) -> &'static str {
    match change {
        Change::Unchanged => "",
        Change::Added => ", \"change\": \"added\"",
        Change::Removed => ", \"change\": \"removed\"",
    }
}

impl Chart {
    /// The definition JSON: deterministic, one state or transition per line, readable back
    /// with serde (feature `serde`):
    ///
    /// ```json
    /// {
    ///   "format": "statewright-definition/1",
    ///   "machine": "Order",
    ///   "doc": "An order.",
    ///   "initial": "Pending",
    ///   "states": [
    ///     {"name": "Pending", "doc": "Created.", "terminal": false},
    ///     {"name": "Paid", "doc": "", "terminal": true}
    ///   ],
    ///   "transitions": [
    ///     {"from": "Pending", "event": "pay", "to": "Paid"}
    ///   ]
    /// }
    /// ```
    ///
    /// A state with hooks also has `"entry": true` and/or `"exit": true`, a guarded transition
    /// `"guarded": true` (each written only when true). A chart made by [`Chart::diff`] also
    /// writes `"change": "added"` or `"removed"` on the items that changed. Reading checks the same rules as
    /// [`ChartBuilder::build`](super::ChartBuilder::build), so a tampered or hand-edited file is
    /// an error, never a panic.
    ///
    /// ```
    /// use statewright::diagram::Chart;
    ///
    /// let mut chart = Chart::builder("Light");
    /// let off = chart.state("Off").initial().id();
    /// let on = chart.state("On").doc("Lit.").id();
    /// chart.transition(off, "toggle", on).transition(on, "toggle", off);
    /// let json = chart.build().unwrap().to_json();
    /// assert!(json.contains("\n    {\"name\": \"On\", \"doc\": \"Lit.\", \"terminal\": false}"));
    /// assert!(json.contains("\n    {\"from\": \"Off\", \"event\": \"toggle\", \"to\": \"On\"},\n"));
    ///
    /// let mut chart = Chart::builder("Door");
    /// let shut = chart.state("Shut").initial().id();
    /// let open = chart.state("Open").entry_hook().exit_hook().id();
    /// chart.transition_guarded(shut, "open", open).transition(open, "close", shut);
    /// let json = chart.build().unwrap().to_json();
    /// assert!(json.contains("{\"name\": \"Open\", \"doc\": \"\", \"terminal\": false, \"entry\": true, \"exit\": true}"));
    /// assert!(json.contains("{\"from\": \"Shut\", \"event\": \"open\", \"to\": \"Open\", \"guarded\": true}"));
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\n");
        let _ = writeln!(out, "  \"format\": {},", string(FORMAT));
        let _ = writeln!(out, "  \"machine\": {},", string(self.name()));
        let _ = writeln!(out, "  \"doc\": {},", string(self.doc()));
        let _ = writeln!(
            out,
            "  \"initial\": {},",
            string(self.states()[self.initial()].name())
        );
        // Composites only where there are some, so that a flat machine's JSON is the same as
        // before they existed.
        let composite = |c: Option<usize>| c.and_then(|c| self.composites().get(c));
        let field = |name: &str, value: Option<&str>| {
            value.map_or_else(String::new, |v| {
                alloc::format!(", \"{name}\": {}", string(v))
            })
        };
        if self.is_hierarchical() {
            out.push_str("  \"composites\": [");
            for (i, c) in self.composites().iter().enumerate() {
                let _ = write!(
                    out,
                    "{}\n    {{\"name\": {}, \"doc\": {}{}, \"initial\": {}{}{}}}",
                    if i == 0 { "" } else { "," },
                    string(c.name()),
                    string(c.doc()),
                    field("parent", composite(c.parent()).map(|p| p.name())),
                    string(self.node_name(c.initial())),
                    flag("entry", c.has_entry_hook()),
                    flag("exit", c.has_exit_hook()),
                );
            }
            out.push_str("\n  ],\n");
        }
        out.push_str("  \"states\": [");
        for (i, s) in self.states().iter().enumerate() {
            let _ = write!(
                out,
                "{}\n    {{\"name\": {}, \"doc\": {}, \"terminal\": {}{}{}{}{}}}",
                if i == 0 { "" } else { "," },
                string(s.name()),
                string(s.doc()),
                s.is_terminal(),
                field("parent", composite(s.parent()).map(|p| p.name())),
                flag("entry", s.has_entry_hook()),
                flag("exit", s.has_exit_hook()),
                change(s.change())
            );
        }
        out.push_str("\n  ],\n  \"transitions\": [");
        for (i, t) in self.transitions().iter().enumerate() {
            let source = t.is_inherited().then(|| self.node_name(t.source()));
            let target =
                (t.target() != super::ChartNode::State(t.to())).then(|| self.node_name(t.target()));
            let _ = write!(
                out,
                "{}\n    {{\"from\": {}, \"event\": {}, \"to\": {}{}{}{}{}{}{}}}",
                if i == 0 { "" } else { "," },
                string(self.states()[t.from()].name()),
                string(t.event()),
                string(self.states()[t.to()].name()),
                field("source", source),
                field("target", target),
                flag("guarded", t.is_guarded()),
                flag("internal", t.is_internal() && t.timeout().is_none()),
                t.timeout()
                    .map(|d| alloc::format!(", \"after_ms\": {}", d.as_millis()))
                    .unwrap_or_default(),
                change(t.change())
            );
        }
        if self.transitions().is_empty() {
            out.push_str("]\n}\n");
        } else {
            out.push_str("\n  ]\n}\n");
        }
        out
    }
}

/// The longest definition JSON [`Chart::from_json`] reads: 4 MiB, about 40,000 states.
///
/// Definition text embedded in a snapshot, a journal header or a journal table comes from
/// outside the program; it is parsed only to say what changed, and a longer one is not parsed
/// at all.
#[cfg(feature = "serde")]
pub const MAX_DEFINITION_LEN: usize = 4 << 20;

/// Why [`Chart::from_json`] could not read a definition JSON.
#[cfg(feature = "serde")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefinitionError {
    /// The text is longer than [`MAX_DEFINITION_LEN`]; it was not parsed.
    TooLarge {
        /// Its length in bytes.
        len: usize,
        /// [`MAX_DEFINITION_LEN`].
        limit: usize,
    },
    /// The text is not a valid definition JSON: what serde_json or the chart's rules say.
    Invalid(String),
}

#[cfg(feature = "serde")]
impl core::fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DefinitionError::TooLarge { len, limit } => write!(
                f,
                "the definition JSON is {len} bytes, more than the {limit} statewright reads; \
                 it was not read"
            ),
            DefinitionError::Invalid(reason) => write!(f, "invalid definition JSON: {reason}"),
        }
    }
}

#[cfg(all(feature = "serde", feature = "std"))]
impl std::error::Error for DefinitionError {}

#[cfg(feature = "serde")]
impl Chart {
    /// Reads a definition JSON ([`Chart::to_json`]) from text that may come from anywhere:
    /// text longer than [`MAX_DEFINITION_LEN`] is refused before it is parsed, and the rest is
    /// read in time near-linear in its length, checking the same rules as
    /// [`ChartBuilder::build`](super::ChartBuilder::build).
    ///
    /// ```
    /// use statewright::diagram::{Chart, DefinitionError, MAX_DEFINITION_LEN};
    ///
    /// let mut chart = Chart::builder("Light");
    /// let off = chart.state("Off").initial().id();
    /// let on = chart.state("On").id();
    /// chart.transition(off, "toggle", on);
    /// let chart = chart.build().unwrap();
    /// assert_eq!(Chart::from_json(&chart.to_json()), Ok(chart));
    ///
    /// let huge = " ".repeat(MAX_DEFINITION_LEN + 1);
    /// assert!(matches!(Chart::from_json(&huge), Err(DefinitionError::TooLarge { .. })));
    /// assert!(matches!(Chart::from_json("{}"), Err(DefinitionError::Invalid(_))));
    /// ```
    pub fn from_json(text: &str) -> Result<Chart, DefinitionError> {
        if text.len() > MAX_DEFINITION_LEN {
            return Err(DefinitionError::TooLarge {
                len: text.len(),
                limit: MAX_DEFINITION_LEN,
            });
        }
        serde_json::from_str(text)
            .map_err(|error| DefinitionError::Invalid(alloc::string::ToString::to_string(&error)))
    }
}

/// What changed from the definition JSON `recorded` (from a snapshot, a journal header or a
/// journal table: untrusted) to `current`: the [`Diff`](super::Diff) lines, or one line that
/// says why they cannot be listed (too long to read, or not a valid definition JSON).
#[cfg(feature = "serde")]
pub(crate) fn changes_since(recorded: &str, current: &Chart) -> alloc::vec::Vec<String> {
    match Chart::from_json(recorded) {
        Ok(old) => super::Diff::new(&old, current).lines().to_vec(),
        Err(error) => alloc::vec![alloc::format!(
            "(not listed: the recorded definition cannot be compared: {error})"
        )],
    }
}

#[cfg(feature = "serde")]
mod read {
    use alloc::collections::BTreeMap;
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer};

    use super::super::{Change, Chart, ChartError, ChartNode};
    use super::FORMAT;

    #[derive(Deserialize)]
    #[serde(expecting = "a definition object")]
    struct RawChart {
        format: String,
        machine: String,
        #[serde(default)]
        doc: String,
        initial: String,
        /// Absent for a flat machine.
        #[serde(default)]
        composites: Vec<RawComposite>,
        states: Vec<RawState>,
        #[serde(default)]
        transitions: Vec<RawTransition>,
    }

    #[derive(Deserialize)]
    #[serde(expecting = "a composite state object")]
    struct RawComposite {
        name: String,
        #[serde(default)]
        doc: String,
        #[serde(default)]
        parent: Option<String>,
        initial: String,
        #[serde(default)]
        entry: bool,
        #[serde(default)]
        exit: bool,
    }

    #[derive(Deserialize)]
    #[serde(expecting = "a state object")]
    struct RawState {
        name: String,
        #[serde(default)]
        doc: String,
        #[serde(default)]
        terminal: bool,
        #[serde(default)]
        entry: bool,
        #[serde(default)]
        exit: bool,
        #[serde(default)]
        change: RawChange,
        #[serde(default)]
        parent: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(expecting = "a transition object")]
    struct RawTransition {
        from: String,
        event: String,
        to: String,
        #[serde(default)]
        guarded: bool,
        #[serde(default)]
        after_ms: Option<u64>,
        /// Absent in files written before internal events existed: a timeout's transition is
        /// internal all the same.
        #[serde(default)]
        internal: bool,
        #[serde(default)]
        change: RawChange,
        /// The composite the transition is declared on, when `from` inherits it.
        #[serde(default)]
        source: Option<String>,
        /// The composite the transition targets, when `to` is the state it leads to.
        #[serde(default)]
        target: Option<String>,
    }

    #[derive(Deserialize, Default, Clone, Copy)]
    #[serde(rename_all = "lowercase", expecting = "`added` or `removed`")]
    enum RawChange {
        #[default]
        Unchanged,
        Added,
        Removed,
    }

    impl From<RawChange> for Change {
        fn from(raw: RawChange) -> Change {
            match raw {
                RawChange::Unchanged => Change::Unchanged,
                RawChange::Added => Change::Added,
                RawChange::Removed => Change::Removed,
            }
        }
    }

    fn build(raw: RawChart) -> Result<Chart, ChartError> {
        let mut chart = Chart::builder(&raw.machine);
        chart.doc(&raw.doc);
        // The composites by name, built once (a state's name is checked against them when
        // the chart is built).
        let mut composites: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, c) in raw.composites.iter().enumerate() {
            if composites.insert(&c.name, i).is_some() {
                return Err(ChartError::DuplicateState(c.name.clone()));
            }
        }
        let composite = |name: &Option<String>, of: &str| -> Result<Option<usize>, ChartError> {
            match name {
                None => Ok(None),
                Some(name) => composites
                    .get(name.as_str())
                    .copied()
                    .map(Some)
                    .ok_or_else(|| {
                        ChartError::Hierarchy(format!(
                            "`{name}`, named by {of}, is not a composite state"
                        ))
                    }),
            }
        };
        for c in &raw.composites {
            let parent = composite(&c.parent, &format!("composite state `{}`", c.name))?;
            let mut builder = chart.composite(&c.name);
            builder.doc(&c.doc);
            if let Some(parent) = parent {
                builder.parent(parent);
            }
            if c.entry {
                builder.entry_hook();
            }
            if c.exit {
                builder.exit_hook();
            }
        }
        for s in &raw.states {
            let parent = composite(&s.parent, &format!("state `{}`", s.name))?;
            let mut state = chart.state(&s.name);
            if let Some(parent) = parent {
                state.parent(parent);
            }
            state.doc(&s.doc).change(s.change.into());
            if s.terminal {
                state.terminal();
            }
            if s.entry {
                state.entry_hook();
            }
            if s.exit {
                state.exit_hook();
            }
            // A diff chart marks the new initial state; the old one, if removed, stays plain.
            if s.name == raw.initial {
                state.initial();
            }
        }
        // The states by name, built once: every lookup below is a search, not a scan.
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, s) in raw.states.iter().enumerate() {
            if names.insert(&s.name, i).is_some() {
                return Err(ChartError::DuplicateState(s.name.clone()));
            }
        }
        if !names.contains_key(raw.initial.as_str()) {
            return Err(ChartError::UnknownState(raw.initial));
        }
        let index = |name: &str| names.get(name).copied();
        for (i, c) in raw.composites.iter().enumerate() {
            let initial = match (index(&c.initial), composites.get(c.initial.as_str())) {
                (Some(s), _) => ChartNode::State(s),
                (None, Some(&d)) => ChartNode::Composite(d),
                (None, None) => return Err(ChartError::UnknownState(c.initial.clone())),
            };
            chart.composite_initial(i, initial);
        }
        for t in &raw.transitions {
            let (Some(from), Some(to)) = (index(&t.from), index(&t.to)) else {
                let unknown = if index(&t.from).is_none() {
                    &t.from
                } else {
                    &t.to
                };
                return Err(ChartError::UnknownState(unknown.clone()));
            };
            chart.push(from, &t.event, to, t.guarded, t.change.into());
            chart.set_after(t.after_ms);
            chart.set_internal(t.internal);
            let of = || format!("`{} --{}--> {}`", t.from, t.event, t.to);
            if let Some(source) = composite(&t.source, &of())? {
                chart.inherited_from(source);
            }
            if let Some(target) = composite(&t.target, &of())? {
                chart.to_composite(target);
            }
        }
        chart.build()
    }

    impl<'de> Deserialize<'de> for Chart {
        /// Reads the definition JSON that [`Chart::to_json`] writes, checking the chart's
        /// rules and the `"format"` version.
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let raw = RawChart::deserialize(deserializer)?;
            if raw.format != FORMAT {
                return Err(D::Error::custom(format!(
                    "unsupported format `{}`; this version reads `{FORMAT}`",
                    raw.format
                )));
            }
            build(raw).map_err(D::Error::custom)
        }
    }
}
