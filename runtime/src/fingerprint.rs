//! Fingerprints of definitions: what snapshots and journals carry to detect that they were made
//! by a different version of a machine.

use core::fmt;

use crate::definition::Definition;
use crate::diagram::Chart;

/// A 64-bit fingerprint of a machine's structure: its name, states (names, order, terminal
/// flags), initial state and transitions (in order). Docs are left out, so editing a doc
/// comment does not invalidate stored data; anything a replay depends on is in.
///
/// It is FNV-1a over a canonical text of the structure: the same on every platform and build.
/// It detects accidental mismatches; it is not a cryptographic hash.
///
/// ```
/// use statewright::{state_machine, StateMachine};
///
/// #[state_machine]
/// enum Light {
///     #[initial]
///     #[on(toggle -> On)]
///     Off,
///     #[on(toggle -> Off)]
///     On,
/// }
///
/// # fn main() {
/// let fingerprint = Light::DEFINITION.fingerprint();
/// assert_eq!(fingerprint, Light::DEFINITION.chart().fingerprint());
/// assert_eq!(fingerprint.to_string().len(), 16);
/// assert_eq!(fingerprint.to_string().parse(), Ok(fingerprint));
/// assert!("+0".parse::<statewright::Fingerprint>().is_err());
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(u64);

impl Fingerprint {
    /// The fingerprint as a number.
    pub const fn value(self) -> u64 {
        self.0
    }

    /// The fingerprint with this value.
    pub const fn from_value(value: u64) -> Self {
        Fingerprint(value)
    }
}

impl fmt::Display for Fingerprint {
    /// Sixteen lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl core::str::FromStr for Fingerprint {
    type Err = core::num::ParseIntError;

    /// Exactly what `Display` writes: sixteen lowercase hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let exact = s.len() == 16
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        u64::from_str_radix(if exact { s } else { "" }, 16).map(Fingerprint)
    }
}

/// FNV-1a, 64 bits, over a sequence of fields each followed by a 0xff byte (which UTF-8 text
/// never contains, so fields cannot run into each other).
struct Hasher(u64);

impl Hasher {
    fn new() -> Self {
        Hasher(0xcbf2_9ce4_8422_2325)
    }

    fn field(&mut self, text: &str) -> &mut Self {
        for byte in text.bytes().chain([0xff]) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }
}

/// The canonical walk shared by definitions and charts.
fn fingerprint<'a>(
    name: &str,
    initial: &str,
    states: impl Iterator<Item = (&'a str, bool, bool, bool)>,
    transitions: impl Iterator<Item = (&'a str, &'a str, &'a str, bool, Option<u128>)>,
    hierarchy: Hierarchy<'a>,
) -> Fingerprint {
    let mut h = Hasher::new();
    h.field("statewright-fingerprint/1")
        .field(name)
        .field(initial);
    // Hook and guard marks are hashed only where present, so that a machine without them
    // keeps the fingerprint it had before they existed. They change which rejections are
    // legal in a journal (a guard or a hook may decline an allowed event).
    for (state, terminal, entry, exit) in states {
        h.field("state")
            .field(state)
            .field(if terminal { "t" } else { "" });
        if entry {
            h.field("entry");
        }
        if exit {
            h.field("exit");
        }
    }
    for (from, event, to, guarded, after_ms) in transitions {
        h.field("transition").field(from).field(event).field(to);
        if guarded {
            h.field("guarded");
        }
        if let Some(ms) = after_ms {
            h.field("after").field(&alloc::format!("{ms}"));
        }
    }
    // The hierarchy only where there is one, so that flat machines keep their fingerprints.
    // The transitions above are the states' (with the inherited ones); what a composite adds
    // is where each transition is declared and which states it leaves and enters.
    let Hierarchy {
        composites,
        origins,
    } = hierarchy;
    for (name, parent, initial, entry, exit) in composites {
        h.field("composite")
            .field(name)
            .field(parent)
            .field(initial);
        if entry {
            h.field("entry");
        }
        if exit {
            h.field("exit");
        }
    }
    for (source, target, exits) in origins {
        h.field("origin")
            .field(source)
            .field(target)
            .field(&alloc::format!("{exits}"));
    }
    Fingerprint(h.0)
}

/// The hierarchy's part of the canonical walk: per composite (name, parent or `""`, initial
/// child, entry hook, exit hook), and per transition (declaring node, declared target, how
/// many nodes it leaves). Both empty for a flat machine.
pub(crate) struct Hierarchy<'a> {
    pub(crate) composites: alloc::vec::Vec<(&'a str, &'a str, &'a str, bool, bool)>,
    pub(crate) origins: alloc::vec::Vec<(&'a str, &'a str, u32)>,
}

impl Hierarchy<'_> {
    /// A flat machine's.
    pub(crate) fn flat() -> Self {
        Hierarchy {
            composites: alloc::vec::Vec::new(),
            origins: alloc::vec::Vec::new(),
        }
    }
}

impl Definition {
    /// The definition's [`Fingerprint`].
    pub fn fingerprint(&'static self) -> Fingerprint {
        fingerprint(
            self.name(),
            self.initial().name(),
            self.states().map(|s| {
                let (entry, exit) = (s.has_entry_hook(), s.has_exit_hook());
                (s.name(), s.is_terminal(), entry, exit)
            }),
            self.transitions().map(|t| {
                let (from, to) = (t.from().name(), t.to().name());
                (
                    from,
                    t.event().name(),
                    to,
                    t.is_guarded(),
                    t.timeout().map(|d| d.as_millis()),
                )
            }),
            self.fingerprint_hierarchy(),
        )
    }

    fn fingerprint_hierarchy(&'static self) -> Hierarchy<'static> {
        if !self.is_hierarchical() {
            return Hierarchy::flat();
        }
        Hierarchy {
            composites: self
                .composites()
                .map(|c| {
                    let parent = c.parent().map_or("", |p| p.name());
                    let (entry, exit) = (c.has_entry_hook(), c.has_exit_hook());
                    (c.name(), parent, c.initial().name(), entry, exit)
                })
                .collect(),
            origins: self
                .transitions()
                .map(|t| {
                    (
                        t.source().name(),
                        t.target().name(),
                        t.exited().count() as u32,
                    )
                })
                .collect(),
        }
    }
}

impl Chart {
    /// The [`Fingerprint`] of the machine this chart describes; equal to its definition's.
    pub fn fingerprint(&self) -> Fingerprint {
        let states = self.states();
        fingerprint(
            self.name(),
            states[self.initial()].name(),
            states.iter().map(|s| {
                let (entry, exit) = (s.has_entry_hook(), s.has_exit_hook());
                (s.name(), s.is_terminal(), entry, exit)
            }),
            self.transitions().iter().map(|t| {
                let (from, to) = (states[t.from()].name(), states[t.to()].name());
                (
                    from,
                    t.event(),
                    to,
                    t.is_guarded(),
                    t.timeout().map(|d| d.as_millis()),
                )
            }),
            self.fingerprint_hierarchy(),
        )
    }

    /// The hierarchy's part of the walk, as [`Definition::fingerprint`] hashes it: the
    /// composites, and per transition its declaring node, declared target and how many nodes
    /// it leaves.
    fn fingerprint_hierarchy(&self) -> Hierarchy<'_> {
        if !self.is_hierarchical() {
            return Hierarchy::flat();
        }
        let composites = self.composites();
        Hierarchy {
            composites: composites
                .iter()
                .map(|c| {
                    let parent = c.parent().and_then(|p| composites.get(p));
                    let initial = self.node_name(c.initial());
                    let (entry, exit) = (c.has_entry_hook(), c.has_exit_hook());
                    (
                        c.name(),
                        parent.map_or("", |p| p.name()),
                        initial,
                        entry,
                        exit,
                    )
                })
                .collect(),
            origins: self
                .transitions()
                .iter()
                .map(|t| {
                    (
                        self.node_name(t.source()),
                        self.node_name(t.target()),
                        self.exits(t),
                    )
                })
                .collect(),
        }
    }
}
