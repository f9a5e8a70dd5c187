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
//! A state with hooks also has `"entry": true` and/or `"exit": true`, and a guarded transition
//! `"guarded": true`; they are written only when true, so the JSON of a machine without hooks
//! or guards is the same as before they existed. (A choice needs no field: it is two
//! transitions with the same `from` and `event`.) A chart made by [`Chart::diff`] also writes
//! `"change": "added"` or `"removed"` on the items that changed. Reading (feature `serde`) goes through [`Chart`]'s `Deserialize`, which checks
//! the same rules as [`ChartBuilder::build`](super::ChartBuilder::build): a tampered or
//! hand-edited file is an error, never a panic.

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
        out.push_str("  \"states\": [");
        for (i, s) in self.states().iter().enumerate() {
            let _ = write!(
                out,
                "{}\n    {{\"name\": {}, \"doc\": {}, \"terminal\": {}{}{}{}}}",
                if i == 0 { "" } else { "," },
                string(s.name()),
                string(s.doc()),
                s.is_terminal(),
                flag("entry", s.has_entry_hook()),
                flag("exit", s.has_exit_hook()),
                change(s.change())
            );
        }
        out.push_str("\n  ],\n  \"transitions\": [");
        for (i, t) in self.transitions().iter().enumerate() {
            let _ = write!(
                out,
                "{}\n    {{\"from\": {}, \"event\": {}, \"to\": {}{}{}{}}}",
                if i == 0 { "" } else { "," },
                string(self.states()[t.from()].name()),
                string(t.event()),
                string(self.states()[t.to()].name()),
                flag("guarded", t.is_guarded()),
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

#[cfg(feature = "serde")]
mod read {
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer};

    use super::super::{Change, Chart, ChartError};
    use super::FORMAT;

    #[derive(Deserialize)]
    #[serde(expecting = "a definition object")]
    struct RawChart {
        format: String,
        machine: String,
        #[serde(default)]
        doc: String,
        initial: String,
        states: Vec<RawState>,
        #[serde(default)]
        transitions: Vec<RawTransition>,
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
        #[serde(default)]
        change: RawChange,
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
        for s in &raw.states {
            let mut state = chart.state(&s.name);
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
        for (i, s) in raw.states.iter().enumerate() {
            if raw.states[..i].iter().any(|t| t.name == s.name) {
                return Err(ChartError::DuplicateState(s.name.clone()));
            }
        }
        if !raw.states.iter().any(|s| s.name == raw.initial) {
            return Err(ChartError::UnknownState(raw.initial));
        }
        let index = |name: &str| raw.states.iter().position(|s| s.name == name);
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
