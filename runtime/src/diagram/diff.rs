//! The difference between two versions of a machine, as a chart and as text.
//!
//! States are matched by name and transitions by `(from, event, to)`: a transition whose target
//! changed shows as one removed and one added transition, and a new target of a choice as one
//! added transition. A guard or a hook that came or went is a change of the transition or
//! state (`~ Pending --pay--> Paid: now guarded`, `~ state Open: entry hook added`). The diff chart lists the new
//! version's states and transitions in their order, then what only the old version had.
//!
//! Hierarchical machines are compared by their states' transitions, the inherited ones
//! included (what the machine does), and the diff chart is flat: it draws no composite states.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::{Change, Chart, ChartState, ChartTransition};

/// Two versions of a machine compared: a [`Chart`] with every item marked by its [`Change`],
/// and a text summary, one line per change.
///
/// ```
/// use statewright::diagram::{Chart, Diff};
///
/// let mut old = Chart::builder("Order");
/// let pending = old.state("Pending").initial().id();
/// let paid = old.state("Paid").terminal().id();
/// old.transition(pending, "pay", paid);
/// let old = old.build().unwrap();
///
/// let mut new = Chart::builder("Order");
/// let pending = new.state("Pending").initial().id();
/// let paid = new.state("Paid").id();
/// let refunded = new.state("Refunded").terminal().id();
/// new.transition(pending, "pay", paid).transition(paid, "refund", refunded);
/// let new = new.build().unwrap();
///
/// let diff = Diff::new(&old, &new);
/// assert_eq!(
///     diff.to_string(),
///     "+ state Refunded\n~ state Paid: no longer terminal\n+ Paid --refund--> Refunded\n"
/// );
/// assert!(diff.chart().mermaid().contains("Paid --> Refunded: + refund"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    chart: Chart,
    lines: Vec<String>,
}

impl Diff {
    /// Compares `old` with `new`.
    pub fn new(old: &Chart, new: &Chart) -> Diff {
        let mut lines = Vec::new();
        if old.name() != new.name() {
            lines.push(format!("~ machine: {} -> {}", old.name(), new.name()));
        }
        // Lookups by name and by (event, from, to) go through indexes built once: charts read
        // from untrusted JSON may have any size.
        let old_states: BTreeMap<&str, &ChartState> =
            old.states().iter().map(|s| (s.name(), s)).collect();
        let new_names: BTreeSet<&str> = new.states().iter().map(|s| s.name()).collect();
        let mut states: Vec<ChartState> = Vec::new();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for state in new.states() {
            let mut state = state.clone();
            // The diff chart is flat: it compares the states' transitions, inherited ones
            // included, and draws no composite states.
            state.parent = None;
            match old_states.get(state.name()).copied() {
                None => {
                    state.change = Change::Added;
                    added.push(format!("+ state {}", state.name()));
                }
                Some(before) => {
                    state.change = Change::Unchanged;
                    if before.is_terminal() != state.is_terminal() {
                        changed.push(format!(
                            "~ state {}: {}",
                            state.name(),
                            if state.is_terminal() {
                                "now terminal"
                            } else {
                                "no longer terminal"
                            }
                        ));
                    }
                    if before.doc() != state.doc() {
                        changed.push(format!("~ state {}: doc changed", state.name()));
                    }
                    for (kind, was, is) in [
                        ("entry", before.has_entry_hook(), state.has_entry_hook()),
                        ("exit", before.has_exit_hook(), state.has_exit_hook()),
                    ] {
                        if was != is {
                            changed.push(format!(
                                "~ state {}: {kind} hook {}",
                                state.name(),
                                if is { "added" } else { "removed" }
                            ));
                        }
                    }
                }
            }
            states.push(state);
        }
        let mut removed = Vec::new();
        for state in old.states() {
            if !new_names.contains(state.name()) {
                let mut state = state.clone();
                state.parent = None;
                state.change = Change::Removed;
                state.initial = false;
                removed.push(format!("- state {}", state.name()));
                states.push(state);
            }
        }
        let (old_initial, new_initial) = (
            old.states()[old.initial()].name(),
            new.states()[new.initial()].name(),
        );
        if old_initial != new_initial {
            changed.push(format!("~ initial: {old_initial} -> {new_initial}"));
        }
        lines.extend(added);
        lines.extend(removed);
        lines.extend(changed);

        let positions: BTreeMap<&str, usize> = states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name(), i))
            .collect();
        let index = |name: &str| positions.get(name).copied().unwrap_or(0);
        // A transition is the same in both versions when its event and its states' names are.
        let key = |chart: &'_ Chart, t: &'_ ChartTransition| {
            (
                String::from(t.event()),
                String::from(chart.states()[t.from()].name()),
                String::from(chart.states()[t.to()].name()),
            )
        };
        let mut old_transitions: BTreeMap<(String, String, String), &ChartTransition> =
            BTreeMap::new();
        for u in old.transitions() {
            old_transitions.entry(key(old, u)).or_insert(u);
        }
        let new_transitions: BTreeSet<(String, String, String)> =
            new.transitions().iter().map(|u| key(new, u)).collect();
        let mut transitions = Vec::new();
        let mut gone = Vec::new();
        for t in new.transitions() {
            let before = old_transitions.get(&key(new, t)).copied();
            let kept = before.is_some();
            let (from, to) = (new.states()[t.from()].name(), new.states()[t.to()].name());
            match before {
                None => lines.push(format!("+ {from} --{}--> {to}", t.event())),
                Some(u) if u.is_guarded() != t.is_guarded() => lines.push(format!(
                    "~ {from} --{}--> {to}: {}",
                    t.event(),
                    if t.is_guarded() {
                        "now guarded"
                    } else {
                        "no longer guarded"
                    }
                )),
                Some(_) => {}
            }
            if let Some(u) = before.filter(|u| u.after_ms != t.after_ms) {
                let text = |ms: Option<u64>| {
                    ms.map_or_else(
                        || "no timeout".into(),
                        |ms| format!("after {}", super::duration_text(ms)),
                    )
                };
                lines.push(format!(
                    "~ {from} --{}--> {to}: {} (was {})",
                    t.event(),
                    text(t.after_ms),
                    text(u.after_ms)
                ));
            }
            transitions.push(ChartTransition {
                from: index(from),
                event: t.event().into(),
                to: index(to),
                guarded: t.is_guarded(),
                after_ms: t.after_ms,
                internal: t.internal,
                choice: false,
                change: if kept {
                    Change::Unchanged
                } else {
                    Change::Added
                },
                source: None,
                target: None,
            });
        }
        for t in old.transitions() {
            if !new_transitions.contains(&key(old, t)) {
                let (from, to) = (old.states()[t.from()].name(), old.states()[t.to()].name());
                gone.push(format!("- {from} --{}--> {to}", t.event()));
                transitions.push(ChartTransition {
                    from: index(from),
                    event: t.event().into(),
                    to: index(to),
                    guarded: t.is_guarded(),
                    after_ms: t.after_ms,
                    internal: t.internal,
                    choice: false,
                    change: Change::Removed,
                    source: None,
                    target: None,
                });
            }
        }
        lines.extend(gone);
        super::mark_choices(&mut transitions);
        let chart = Chart {
            name: new.name().into(),
            doc: new.doc().into(),
            states,
            transitions,
            composites: Vec::new(),
        };
        Diff { chart, lines }
    }

    /// The chart of both versions: render it in any format to see the change.
    pub fn chart(&self) -> &Chart {
        &self.chart
    }

    /// One line per change: `+ state X`, `- state X`, `~ state X: ...` (terminal, doc, entry
    /// or exit hook), `~ initial: A -> B`, `+ A --event--> B`, `~ A --event--> B: now guarded`
    /// (or `no longer guarded`), `- A --event--> B`.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Whether the two versions describe the same machine (docs of the machine itself aside).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

impl fmt::Display for Diff {
    /// The summary, one line per change; `no changes` when there are none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lines.is_empty() {
            return f.write_str("no changes\n");
        }
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

impl Chart {
    /// The difference from `old` to this chart ([`Diff::new`]).
    pub fn diff(&self, old: &Chart) -> Diff {
        Diff::new(old, self)
    }
}
