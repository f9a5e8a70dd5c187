//! Events by name: what `Event::from_name` (and `str::parse`) refuses, and the helpers that
//! word the refusals of names from outside (the nearest valid name, a capped list).

use alloc::string::String;
use core::fmt;

/// How many names a message lists before "and N more".
const LIST_LIMIT: usize = 20;

/// How much of a name from outside a message repeats (the rest is cut, with `...`).
const NAME_LIMIT: usize = 64;

/// Why `Event::from_name` (or `"cancel".parse::<order::Event>()`) made no event: the name is
/// not an event of the machine, names an internal event, or names an event that carries data.
/// It lists the names that do make an event, and for an unknown name the nearest of them.
///
/// ```
/// use statewright::{state_machine, EventNameReason};
///
/// #[state_machine]
/// #[derive(Debug, PartialEq)]
/// enum Order {
///     #[initial]
///     #[timeout(15min -> Cancelled)]
///     #[on(pay -> Paid, cancel -> Cancelled)]
///     Pending,
///     #[on(ship -> Shipped, cancel -> Cancelled)]
///     Paid { amount_cents: u64 },
///     #[terminal]
///     Shipped,
///     #[terminal]
///     Cancelled,
/// }
///
/// # fn main() {
/// assert_eq!(order::Event::from_name("cancel"), Ok(order::Event::Cancel));
/// assert_eq!("ship".parse(), Ok(order::Event::Ship));
///
/// let typo = order::Event::from_name("cancle").unwrap_err();
/// assert_eq!(typo.reason(), EventNameReason::Unknown);
/// assert_eq!(typo.nearest(), Some("cancel"));
/// assert_eq!(
///     typo.to_string(),
///     "`Order` has no event `cancle`; did you mean `cancel`? (events made from a name alone: `cancel` and `ship`)"
/// );
///
/// let forged = order::Event::from_name("timeout").unwrap_err();
/// assert_eq!(forged.reason(), EventNameReason::Internal);
///
/// let needs_data = order::Event::from_name("pay").unwrap_err();
/// assert_eq!(needs_data.reason(), EventNameReason::CarriesData);
/// assert_eq!(needs_data.valid(), ["cancel", "ship"]);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventNameError {
    machine: &'static str,
    name: String,
    reason: EventNameReason,
    valid: &'static [&'static str],
}

/// What is wrong with the name given to `Event::from_name`: see [`EventNameError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventNameReason {
    /// The machine has no event of that name.
    Unknown,
    /// The event is internal (a timeout's, or named in `#[state_machine(internal(...))]`): the
    /// machine raises it itself, so no name from outside makes it.
    Internal,
    /// The event carries data (its target's fields, a choice of target or a guard's decision),
    /// so its name alone cannot make it: deserialize it, or build the variant.
    CarriesData,
}

impl EventNameError {
    /// The machine's name.
    pub fn machine(&self) -> &'static str {
        self.machine
    }

    /// The name that was given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What is wrong with it.
    pub fn reason(&self) -> EventNameReason {
        self.reason
    }

    /// The names `from_name` accepts: the external events without data, in definition order.
    pub fn valid(&self) -> &'static [&'static str] {
        self.valid
    }

    /// For an unknown name, the accepted name nearest to it, if one is close.
    pub fn nearest(&self) -> Option<&'static str> {
        match self.reason {
            EventNameReason::Unknown => nearest(&self.name, self.valid.iter().copied()),
            _ => None,
        }
    }
}

impl fmt::Display for EventNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (machine, name) = (self.machine, Cut(&self.name));
        match self.reason {
            EventNameReason::Unknown => {
                write!(f, "`{machine}` has no event `{name}`")?;
                if let Some(near) = self.nearest() {
                    write!(f, "; did you mean `{near}`?")?;
                }
            }
            EventNameReason::Internal => write!(
                f,
                "`{name}` is an internal event of `{machine}`: the machine raises it itself, so \
                 no name from outside makes it"
            )?,
            EventNameReason::CarriesData => write!(
                f,
                "`{name}` of `{machine}` carries data (its target's fields, a choice or a \
                 guard's decision), so its name alone cannot make it; deserialize it or build \
                 the variant"
            )?,
        }
        if self.valid.is_empty() {
            write!(f, " (no event of `{machine}` is made from a name alone)")
        } else {
            write!(f, " (events made from a name alone: {})", List(self.valid))
        }
    }
}

impl core::error::Error for EventNameError {}

/// The error of a generated `Event::from_name` for `name`, which is none of `valid` (the
/// external events without data): `Internal` when the definition marks an event of that name
/// internal, `CarriesData` for another event of the definition, `Unknown` otherwise.
pub(crate) fn from_name_error(
    definition: &'static crate::Definition,
    valid: &'static [&'static str],
    name: &str,
) -> EventNameError {
    let reason = match definition.event(name) {
        Some(event) if event.is_internal() => EventNameReason::Internal,
        Some(_) => EventNameReason::CarriesData,
        None => EventNameReason::Unknown,
    };
    EventNameError {
        machine: definition.name(),
        name: String::from(name),
        reason,
        valid,
    }
}

/// The candidate nearest to `name` by edit distance, if one is close: equal ignoring ASCII
/// case, or at most a third of the candidate's length (at least one) edits away. The work is
/// bounded by the candidates' lengths, however long `name` is (it comes from outside).
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate.eq_ignore_ascii_case(name) {
            return Some(candidate);
        }
        let limit = (candidate.chars().count() / 3).max(1);
        let Some(distance) = distance_within(name, candidate, limit) else {
            continue;
        };
        if best.is_none_or(|(b, _)| distance < b) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The Levenshtein distance between `a` and `b` when it is at most `limit`; `None` otherwise
/// (including, without any work, when their lengths differ by more than `limit`).
fn distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let b: alloc::vec::Vec<char> = b.chars().collect();
    // `a` may be anything: count at most what could still be within the limit.
    let a_len = a.chars().take(b.len() + limit + 1).count();
    if a_len.abs_diff(b.len()) > limit {
        return None;
    }
    let mut previous: alloc::vec::Vec<usize> = (0..=b.len()).collect();
    let mut current = alloc::vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        core::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= limit).then_some(distance)
}

/// Names in backticks: `` `a`, `b` and `c` ``, at most [`LIST_LIMIT`] of them, then "and N
/// more".
pub(crate) struct List<'a>(pub(crate) &'a [&'a str]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.0[..self.0.len().min(LIST_LIMIT)];
        let rest = self.0.len() - shown.len();
        for (i, name) in shown.iter().enumerate() {
            let separator = match i {
                0 => "",
                _ if i + 1 == shown.len() && rest == 0 => " and ",
                _ => ", ",
            };
            write!(f, "{separator}`{name}`")?;
        }
        if rest > 0 {
            write!(f, " and {rest} more")?;
        }
        Ok(())
    }
}

/// A name from outside as a message repeats it: at most [`NAME_LIMIT`] characters, then `...`.
pub(crate) struct Cut<'a>(pub(crate) &'a str);

impl fmt::Display for Cut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(NAME_LIMIT) {
            Some((end, _)) => write!(f, "{}...", &self.0[..end]),
            None => f.write_str(self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn the_nearest_name_is_within_a_third_of_its_length() {
        let names = ["cancel", "pay", "ship", "tests_passed"];
        assert_eq!(nearest("cancle", names), Some("cancel"));
        assert_eq!(nearest("CANCEL", names), Some("cancel"));
        assert_eq!(nearest("pya", names), None); // two edits from a three-letter name
        assert_eq!(nearest("pat", names), Some("pay"));
        assert_eq!(nearest("test_passed", names), Some("tests_passed"));
        assert_eq!(nearest("deliver", names), None);
        assert_eq!(nearest("", names), None);
    }

    #[test]
    fn a_huge_name_is_not_compared() {
        let huge = "x".repeat(1 << 20);
        assert_eq!(distance_within(&huge, "cancel", 2), None);
        assert_eq!(nearest(&huge, ["cancel"]), None);
    }

    #[test]
    fn distances() {
        assert_eq!(distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(distance_within("kitten", "sitting", 2), None);
        assert_eq!(distance_within("", "ab", 2), Some(2));
        assert_eq!(distance_within("ab", "", 2), Some(2));
        assert_eq!(distance_within("é", "e", 1), Some(1));
    }

    #[test]
    fn lists_are_capped_and_names_cut() {
        assert_eq!(List(&["a"]).to_string(), "`a`");
        assert_eq!(List(&["a", "b", "c"]).to_string(), "`a`, `b` and `c`");
        let many: alloc::vec::Vec<&str> = (0..25).map(|_| "e").collect();
        let text = List(&many).to_string();
        assert!(text.ends_with("`e`, `e` and 5 more"), "{text}");
        assert_eq!(Cut("short").to_string(), "short");
        let long = "y".repeat(100);
        assert_eq!(
            Cut(&long).to_string(),
            alloc::format!("{}...", "y".repeat(64))
        );
    }
}
