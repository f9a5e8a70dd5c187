//! The helper attributes on variants: `#[initial]`, `#[terminal]` and `#[on(event -> Target)]`.

use proc_macro2::{Delimiter, Spacing, Span, TokenTree};
use syn::{Attribute, Ident, Meta};

use super::tokens::{describe, split_commas};
use crate::errors::Errors;

/// The helper attributes, by name.
pub const HELPERS: &[&str] = &[
    "initial",
    "terminal",
    "on",
    "enter",
    "exit",
    "timeout",
    "no_timeout",
    "parent",
];

/// Which helper an attribute is, if any.
pub fn helper_name(attr: &Attribute) -> Option<&'static str> {
    let ident = attr.path().get_ident()?;
    HELPERS.iter().copied().find(|h| ident == h)
}

/// A helper the user probably meant by this attribute (`#[inital]` -> `initial`), for an
/// attribute that is not a helper.
pub fn misspelled_helper(attr: &Attribute) -> Option<&'static str> {
    let name = attr.path().get_ident()?.to_string();
    if name.eq_ignore_ascii_case("on") {
        return Some("on");
    }
    ["initial", "terminal", "enter", "exit", "timeout"]
        .into_iter()
        .find(|helper| {
            name.eq_ignore_ascii_case(helper)
                || (name.len() >= 5 && strsim::damerau_levenshtein(&name, helper) <= 2)
        })
}

/// One `event -> Target` inside `#[on(...)]`, or a choice `event -> A | B`, or a guarded
/// `event -> Target?`.
pub struct TransitionInput {
    pub event: Ident,
    /// One target, or the choice's targets in the order written.
    pub targets: Vec<Ident>,
    /// The `?` of a guarded transition.
    pub guard: Option<Span>,
}

/// Checks that a flag attribute (`#[initial]`, `#[terminal]`) has no arguments.
pub fn parse_flag(attr: &Attribute, name: &str, errors: &Errors) {
    match &attr.meta {
        Meta::Path(_) => {}
        Meta::List(list) => errors.at(
            list.delimiter.span().join(),
            format!("`#[{name}]` takes no arguments; write `#[{name}]`"),
        ),
        Meta::NameValue(nv) => errors.at(
            nv.eq_token.span,
            format!("`#[{name}]` takes no value; write `#[{name}]`"),
        ),
    }
}

/// Parses `#[on(a -> A, b -> B)]`, reporting each malformed transition and keeping the others.
pub fn parse_on(attr: &Attribute, errors: &Errors) -> Vec<TransitionInput> {
    const EXPECTED: &str = "write `#[on(event -> Target)]`, for example `#[on(pay -> Paid)]`";
    let list = match &attr.meta {
        Meta::List(list) => list,
        Meta::Path(path) => {
            errors.at(
                path_span(path),
                format!("`#[on]` needs at least one transition: {EXPECTED}"),
            );
            return Vec::new();
        }
        Meta::NameValue(nv) => {
            errors.at(
                nv.eq_token.span,
                format!("`#[on]` takes a list, not a value: {EXPECTED}"),
            );
            return Vec::new();
        }
    };
    if !matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) {
        errors.at(
            list.delimiter.span().open(),
            format!("`#[on]` takes parentheses: {EXPECTED}"),
        );
        return Vec::new();
    }
    let parts = split_commas(list.tokens.clone(), errors);
    if parts.is_empty() {
        errors.at(
            list.delimiter.span().join(),
            format!("`#[on()]` is empty: {EXPECTED}"),
        );
    }
    parts
        .into_iter()
        .filter_map(|part| parse_transition(&part, errors))
        .collect()
}

fn path_span(path: &syn::Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

/// Parses `event -> Target`.
fn parse_transition(tokens: &[TokenTree], errors: &Errors) -> Option<TransitionInput> {
    let event = match tokens.first() {
        Some(TokenTree::Ident(event)) => event.clone(),
        Some(TokenTree::Punct(p)) if p.as_char() == '-' || p.as_char() == '=' => {
            errors.at(
                p.span(),
                "expected an event name before the arrow, like `pay -> Paid`",
            );
            return None;
        }
        Some(other) => {
            errors.at(
                other.span(),
                format!(
                    "expected an event name, found {}; write `event -> Target`",
                    describe(other)
                ),
            );
            return None;
        }
        None => return None,
    };
    let arrow_end = match (tokens.get(1), tokens.get(2)) {
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == '-' && a.spacing() == Spacing::Joint && b.as_char() == '>' =>
        {
            b.span()
        }
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == '=' && a.spacing() == Spacing::Joint && b.as_char() == '>' =>
        {
            errors.at(
                a.span(),
                format!("expected `->`, found `=>`; write `{event} -> Target`"),
            );
            return None;
        }
        (Some(other), _) => {
            errors.at(
                other.span(),
                format!(
                    "expected `->` after the event `{event}`, found {}; write `{event} -> Target`",
                    describe(other)
                ),
            );
            return None;
        }
        (None, _) => {
            errors.at(
                event.span(),
                format!(
                    "expected `->` and a target state after `{event}`, like `{event} -> Target`"
                ),
            );
            return None;
        }
    };
    let mut targets = Vec::new();
    let mut guard = None;
    let mut at = 3;
    loop {
        let target = match tokens.get(at) {
            Some(TokenTree::Ident(target)) => target.clone(),
            Some(other) => {
                let after = if at == 3 { "`->`" } else { "`|`" };
                errors.at(
                    other.span(),
                    format!(
                        "expected a target state after {after}, found {}",
                        describe(other)
                    ),
                );
                return None;
            }
            None => {
                let span = tokens.get(at - 1).map_or(arrow_end, TokenTree::span);
                let after = if at == 3 { "`->`" } else { "`|`" };
                errors.at(span, format!("expected a target state after {after}"));
                return None;
            }
        };
        targets.push(target);
        let target = &targets[targets.len() - 1];
        match tokens.get(at + 1) {
            None => break,
            Some(TokenTree::Punct(p)) if p.as_char() == '|' => at += 2,
            Some(TokenTree::Punct(p)) if p.as_char() == '?' => {
                if targets.len() > 1 {
                    errors.at(
                        p.span(),
                        "a guard `?` goes on a transition with one target, like `pay -> Paid?`; a choice `A | B` already says where else the event may lead",
                    );
                    return None;
                }
                guard = Some(p.span());
                if let Some(extra) = tokens.get(at + 2) {
                    errors.at(
                        extra.span(),
                        format!(
                            "unexpected {} after the guard `{target}?`; separate transitions with `,`",
                            describe(extra)
                        ),
                    );
                    return None;
                }
                break;
            }
            Some(TokenTree::Punct(p)) if p.as_char() == ':' => {
                errors.at(
                    target.span(),
                    "expected a state name, found a path; write the variant's name alone, like `Paid`",
                );
                return None;
            }
            Some(TokenTree::Group(g)) if g.delimiter() != Delimiter::None => {
                errors.at(
                    g.span(),
                    format!(
                        "unexpected {} after the target `{target}`; the target's data is supplied when the transition is made, not here",
                        describe(&tokens[at + 1])
                    ),
                );
                return None;
            }
            Some(other) => {
                errors.at(
                    other.span(),
                    format!(
                        "unexpected {} after the target `{target}`; separate transitions with `,`, and the targets of a choice with `|`",
                        describe(other)
                    ),
                );
                return None;
            }
        }
    }
    Some(TransitionInput {
        event,
        targets,
        guard,
    })
}
