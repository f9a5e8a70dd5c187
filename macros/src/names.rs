//! Names: case conversion, keywords and "did you mean" suggestions.

use heck::{ToSnakeCase, ToUpperCamelCase};
use syn::Ident;
use syn::ext::IdentExt;

/// The name `ident` gives a state or an event in records, definitions, diagrams and generated
/// names: without the `r#` of a raw identifier (`r#loop` is the event `loop`).
pub fn text(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// Whether `ident` is written as a raw identifier (`r#loop`).
pub fn is_raw(ident: &Ident) -> bool {
    ident.to_string().starts_with("r#")
}

/// Rust's strict and reserved keywords (edition 2024). None of them can name an event, because
/// an event names a method.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The methods a user of a typed machine can call on it, which an event must not be named
/// after: each event is an inherent method of `Machine<S, R>`, and an inherent method wins over
/// a trait's, so an event `state` would make `m.state()` fire the event instead of reading the
/// state. Each entry is the name, the method it would shadow, and a name to suggest instead.
///
/// What is listed, and why:
/// - every method of `TypedMachine` (the machine's own API, implemented by `Machine`);
/// - `Deref::deref` and `Debug::fmt`, which `Machine` implements;
/// - the methods every type receives from blanket impls: `Into`/`From`, `TryInto`/`TryFrom`,
///   `Borrow`/`BorrowMut`, `Any::type_id`;
/// - the methods of the std prelude's traits that a machine could receive by a derive or an
///   impl of the user's (`Clone`, `ToOwned`, `ToString`, `PartialEq`, `PartialOrd`, `Ord`,
///   `Hash`, `Default`, `AsRef`/`AsMut`, `IntoIterator`), and `drop`, which reads as `Drop`.
///
/// Not listed: the methods of the state types, reached through `Deref` (the state's own
/// fields and methods are the user's to name), and the methods of `Iterator` and the other
/// prelude traits a machine cannot implement usefully (`next`, `map`, `count`, ...). Common
/// domain events stay allowed: `open`, `close`, `send`, `start`, `stop`, `reset`, `timeout`,
/// `cancel`, `retry`.
pub const RESERVED_METHODS: &[(&str, &str, &str)] = &[
    // TypedMachine
    ("state", "TypedMachine::state", "change_state"),
    ("state_info", "TypedMachine::state_info", "change_state"),
    ("sequence", "TypedMachine::sequence", "next_in_sequence"),
    ("recorder", "TypedMachine::recorder", "record"),
    ("recorder_mut", "TypedMachine::recorder_mut", "record"),
    ("context", "TypedMachine::context", "change_context"),
    ("context_mut", "TypedMachine::context_mut", "change_context"),
    ("definition", "TypedMachine::definition", "define"),
    (
        "allowed_events",
        "TypedMachine::allowed_events",
        "allow_events",
    ),
    ("into_parts", "TypedMachine::into_parts", "split"),
    ("into_all_parts", "TypedMachine::into_all_parts", "split"),
    ("into_dynamic", "TypedMachine::into_dynamic", "go_dynamic"),
    // Implemented by `Machine`
    ("deref", "Deref::deref", "dereference"),
    ("fmt", "Debug::fmt", "format"),
    // Blanket impls every type has
    ("into", "Into::into", "enter"),
    ("from", "From::from", "arrive"),
    ("try_into", "TryInto::try_into", "try_enter"),
    ("try_from", "TryFrom::try_from", "try_arrive"),
    ("borrow", "Borrow::borrow", "lend"),
    ("borrow_mut", "BorrowMut::borrow_mut", "lend"),
    ("type_id", "Any::type_id", "identify"),
    // The std prelude's traits, should the machine receive them
    ("clone", "Clone::clone", "duplicate"),
    ("clone_from", "Clone::clone_from", "duplicate"),
    ("clone_into", "ToOwned::clone_into", "duplicate"),
    ("to_owned", "ToOwned::to_owned", "take_ownership"),
    ("to_string", "ToString::to_string", "stringify"),
    ("eq", "PartialEq::eq", "equalize"),
    ("ne", "PartialEq::ne", "differ"),
    ("partial_cmp", "PartialOrd::partial_cmp", "compare"),
    ("lt", "PartialOrd::lt", "lower"),
    ("le", "PartialOrd::le", "lower"),
    ("gt", "PartialOrd::gt", "raise"),
    ("ge", "PartialOrd::ge", "raise"),
    ("cmp", "Ord::cmp", "compare"),
    ("max", "Ord::max", "maximize"),
    ("min", "Ord::min", "minimize"),
    ("clamp", "Ord::clamp", "limit"),
    ("hash", "Hash::hash", "digest"),
    ("default", "Default::default", "reset_to_default"),
    ("as_ref", "AsRef::as_ref", "view"),
    ("as_mut", "AsMut::as_mut", "view"),
    ("into_iter", "IntoIterator::into_iter", "iterate"),
    ("drop", "Drop::drop", "discard"),
];

/// The method an event named `name` would shadow, and a name to suggest instead.
pub fn reserved_method(name: &str) -> Option<(&'static str, &'static str)> {
    RESERVED_METHODS
        .iter()
        .find(|(reserved, _, _)| *reserved == name)
        .map(|&(_, method, instead)| (method, instead))
}

/// Whether `name` is a keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Whether the keyword `name` can be written as a raw identifier (all but `self`, `Self`,
/// `super` and `crate`).
pub fn can_be_raw(name: &str) -> bool {
    !matches!(name, "self" | "Self" | "super" | "crate")
}

/// Whether `name` is an identifier (not raw): a letter or `_`, then letters, digits or `_`,
/// and not `_` alone.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name != "_"
}

/// Whether `name` can name a generated item: an identifier that is not a keyword.
pub fn is_usable_name(name: &str) -> bool {
    is_identifier(name) && !is_keyword(name)
}

/// Whether `name` is snake_case: starts with a lowercase letter, then lowercase letters, digits
/// and single underscores (a trailing one allowed, as in `type_`).
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_lowercase()
        && chars.all(|c| c.is_lowercase() || c.is_numeric() || c == '_')
        && !name.contains("__")
}

/// `name` in snake_case.
pub fn to_snake(name: &str) -> String {
    name.to_snake_case()
}

/// `name` in UpperCamelCase: `time_wait` -> `TimeWait`.
pub fn to_camel(name: &str) -> String {
    name.to_upper_camel_case()
}

/// The candidate closest to `name`, if one is close enough to be what the user meant.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let score = if candidate.eq_ignore_ascii_case(name) {
            1.0
        } else {
            strsim::jaro_winkler(name, candidate)
        };
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `a`, `b` and `c`, each in backticks; at most `limit` names, then "and N more".
pub fn list(names: &[&str], limit: usize) -> String {
    let shown: Vec<String> = names.iter().take(limit).map(|n| format!("`{n}`")).collect();
    let rest = names.len().saturating_sub(limit);
    let mut out = match shown.len() {
        0 => String::new(),
        1 => shown[0].clone(),
        n if rest == 0 => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
        _ => shown.join(", "),
    };
    if rest > 0 {
        out.push_str(&format!(" and {rest} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_rules() {
        for ok in ["pay", "time_wait", "rcv_syn2", "type_", "é"] {
            assert!(is_snake_case(ok), "{ok}");
        }
        for bad in ["Pay", "payNow", "_pay", "pay__now", "", "2pay", "PAY"] {
            assert!(!is_snake_case(bad), "{bad}");
        }
        assert_eq!(to_snake("payNow"), "pay_now");
        assert_eq!(to_camel("rcv_syn_ack"), "RcvSynAck");
    }

    #[test]
    fn suggestions_pick_the_closest_name() {
        let states = ["Pending", "Paid", "Shipped", "Closed"];
        assert_eq!(did_you_mean("Clsoed", states), Some("Closed"));
        assert_eq!(did_you_mean("Shiped", states), Some("Shipped"));
        assert_eq!(did_you_mean("paid", states), Some("Paid"));
        assert_eq!(did_you_mean("Xyzzy", states), None);
    }

    #[test]
    fn every_method_of_typed_machine_is_reserved() {
        // The trait's source, so that a method added to it is reserved or this fails.
        let source = include_str!("../../runtime/src/machine.rs");
        let start = source
            .find("pub trait TypedMachine")
            .expect("runtime/src/machine.rs defines TypedMachine");
        let body = &source[start..];
        let body = &body[..body.find("\n}").expect("the trait's body ends")];
        let methods: Vec<&str> = body
            .split("fn ")
            .skip(1)
            .map(|rest| {
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("")
            })
            .collect();
        assert!(methods.len() >= 12, "{methods:?}");
        for method in methods {
            assert!(
                reserved_method(method).is_some(),
                "`TypedMachine::{method}` is not in RESERVED_METHODS"
            );
        }
    }

    #[test]
    fn domain_events_are_not_reserved() {
        for name in [
            "open", "close", "send", "start", "stop", "reset", "timeout", "cancel", "retry",
        ] {
            assert_eq!(reserved_method(name), None, "{name}");
        }
        assert_eq!(
            reserved_method("state"),
            Some(("TypedMachine::state", "change_state"))
        );
        for (name, _, instead) in RESERVED_METHODS {
            assert!(
                is_snake_case(instead) && reserved_method(instead).is_none(),
                "{name}"
            );
        }
    }

    #[test]
    fn lists_are_capped() {
        assert_eq!(list(&["A"], 10), "`A`");
        assert_eq!(list(&["A", "B", "C"], 10), "`A`, `B` and `C`");
        assert_eq!(list(&["A", "B", "C", "D"], 2), "`A`, `B` and 2 more");
    }
}
