//! `#[timeout(30s -> Expired)]`, `#[timeout(30s, expire -> Expired, resume = restart)]` and
//! `#[no_timeout(reason = "...")]` on a state.

use proc_macro2::TokenTree;
use syn::{Attribute, Ident, Meta};

use super::tokens::{describe, split_commas};
use crate::errors::Errors;

/// One `#[timeout(...)]`.
pub struct TimeoutInput {
    pub millis: u64,
    /// The event the timeout fires: the one written, or `timeout`.
    pub event: Ident,
    pub target: Ident,
    /// 0 deadline (the default), 1 remaining, 2 restart.
    pub resume: u8,
}

const EXPECTED: &str =
    "write `#[timeout(30s -> Target)]`, or `#[timeout(30s, event -> Target)]` to name the event";

/// The units a duration may have, in milliseconds.
const UNITS: &[(&str, u64)] = &[
    ("ms", 1),
    ("s", 1_000),
    ("min", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Parses `#[timeout(...)]`; reports what is malformed and returns `None` then.
pub fn parse_timeout(attr: &Attribute, errors: &Errors) -> Option<TimeoutInput> {
    let span = attr.bracket_token.span.join();
    let Meta::List(list) = &attr.meta else {
        errors.at(
            span,
            format!("`#[timeout]` needs a duration and a target: {EXPECTED}"),
        );
        return None;
    };
    let parts = split_commas(list.tokens.clone(), errors);
    let Some(first) = parts.first() else {
        errors.at(span, format!("`#[timeout()]` is empty: {EXPECTED}"));
        return None;
    };
    let millis = duration(&first[0], errors)?;
    // `30s -> Target` or `30s, event -> Target`.
    let (event, target, rest) = if first.len() > 1 {
        let target = arrow_target(&first[1..], &first[0], errors)?;
        let event = Ident::new("timeout", first[0].span());
        (event, target, &parts[1..])
    } else {
        let Some(second) = parts.get(1) else {
            errors.at(
                first[0].span(),
                format!("expected `-> Target` after the duration: {EXPECTED}"),
            );
            return None;
        };
        let event = match &second[0] {
            TokenTree::Ident(event) => event.clone(),
            other => {
                errors.at(
                    other.span(),
                    format!(
                        "expected an event name, found {}: {EXPECTED}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        let target = arrow_target(&second[1..], &second[0], errors)?;
        (event, target, &parts[2..])
    };
    let mut resume = 0;
    for part in rest {
        match part.as_slice() {
            [
                TokenTree::Ident(key),
                TokenTree::Punct(eq),
                TokenTree::Ident(value),
            ] if key == "resume" && eq.as_char() == '=' => {
                resume = match value.to_string().as_str() {
                    "deadline" => 0,
                    "remaining" => 1,
                    "restart" => 2,
                    other => {
                        errors.at(
                            value.span(),
                            format!(
                                "unknown resume policy `{other}`; the policies are `deadline` (the default), `remaining` and `restart`"
                            ),
                        );
                        return None;
                    }
                };
            }
            other => {
                let at = other.first().map_or(span, TokenTree::span);
                errors.at(
                    at,
                    "expected `resume = deadline`, `resume = remaining` or `resume = restart` after the target",
                );
                return None;
            }
        }
    }
    Some(TimeoutInput {
        millis,
        event,
        target,
        resume,
    })
}

/// `-> Target` (the tokens after the duration or the event).
fn arrow_target(tokens: &[TokenTree], before: &TokenTree, errors: &Errors) -> Option<Ident> {
    match tokens {
        [
            TokenTree::Punct(a),
            TokenTree::Punct(b),
            TokenTree::Ident(target),
        ] if a.as_char() == '-' && b.as_char() == '>' => Some(target.clone()),
        [TokenTree::Punct(a), TokenTree::Punct(b), rest @ ..]
            if a.as_char() == '-' && b.as_char() == '>' =>
        {
            let at = rest.first().map_or(b.span(), TokenTree::span);
            errors.at(at, "expected one target state after `->`");
            None
        }
        _ => {
            let at = tokens.first().map_or(before.span(), TokenTree::span);
            errors.at(at, format!("expected `->` and a target state: {EXPECTED}"));
            None
        }
    }
}

/// A duration literal: digits (and `_`) with a unit, `30s`, `500ms`, `15min`, `2h`, `1d`.
fn duration(tt: &TokenTree, errors: &Errors) -> Option<u64> {
    let units = "`ms`, `s`, `min`, `h` or `d`";
    let TokenTree::Literal(lit) = tt else {
        errors.at(
            tt.span(),
            format!(
                "expected a duration like `30s`, found {}: {EXPECTED}",
                describe(tt)
            ),
        );
        return None;
    };
    let text = lit.to_string();
    if text.starts_with('"') {
        errors.at(
            lit.span(),
            "expected a duration, not a string: write `30s` without quotes",
        );
        return None;
    }
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        let hint = if unit.is_empty() {
            format!("`{text}` has no unit; write it with one of {units}, like `{text}s`")
        } else if unit == "m" {
            format!(
                "`{text}` is ambiguous; write minutes as `{digits}min` (or milliseconds as `{digits}ms`)"
            )
        } else {
            format!("unknown unit `{unit}` in `{text}`; the units are {units}")
        };
        errors.at(lit.span(), hint);
        return None;
    };
    let Some(millis) = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
    else {
        errors.at(
            lit.span(),
            format!("`{text}` is not a duration this crate can hold; write a whole number with a unit, like `30s`"),
        );
        return None;
    };
    if millis == 0 {
        errors.at(
            lit.span(),
            "a timeout of zero would fire at once; give it a duration, like `30s`",
        );
        return None;
    }
    Some(millis)
}

/// Parses `#[no_timeout(reason = "...")]`; the reason is required and not empty.
pub fn parse_no_timeout(attr: &Attribute, errors: &Errors) -> Option<String> {
    let span = attr.bracket_token.span.join();
    const EXPECTED_REASON: &str =
        "say why the state may wait forever: `#[no_timeout(reason = \"waits for a person\")]`";
    let Meta::List(list) = &attr.meta else {
        errors.at(
            span,
            format!("`#[no_timeout]` needs a reason; {EXPECTED_REASON}"),
        );
        return None;
    };
    let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
    match tokens.as_slice() {
        [
            TokenTree::Ident(key),
            TokenTree::Punct(eq),
            TokenTree::Literal(lit),
        ] if key == "reason" && eq.as_char() == '=' => {
            match syn::parse_str::<syn::LitStr>(&lit.to_string()) {
                Ok(s) if !s.value().trim().is_empty() => Some(s.value()),
                _ => {
                    errors.at(
                        lit.span(),
                        format!("the reason is empty or not a string; {EXPECTED_REASON}"),
                    );
                    None
                }
            }
        }
        _ => {
            let at = tokens.first().map_or(span, TokenTree::span);
            errors.at(
                at,
                format!("expected `reason = \"...\"`; {EXPECTED_REASON}"),
            );
            None
        }
    }
}
