//! The arguments of `#[state_machine(...)]`.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, Path, Token};

use super::tokens::{describe, split_commas};
use crate::errors::Errors;
use crate::names;

/// The options a user can set on the machine.
pub struct Options {
    /// Where the `statewright` crate is (`crate = ::path`), for crates that re-export it.
    pub krate: Path,
    /// The name of the generated module (`module = name`); the enum's name in snake_case by
    /// default.
    pub module: Option<Ident>,
    /// Extra derives for the generated state types and event enum (`derive(...)`).
    pub derives: Vec<Path>,
    /// The shared context's type (`context = OrderInfo`).
    pub context: Option<syn::Type>,
    /// The span of the `hooks` flag: generate the `Hooks` trait (transition actions) even
    /// when no state is marked `#[enter]` or `#[exit]`.
    pub hooks: Option<proc_macro2::Span>,
    /// `timeouts = required`: every state that is not terminal has a timeout or says why not.
    pub timeouts_required: bool,
    /// The events named in `internal(...)`: events the machine raises itself, which
    /// `Dynamic::apply` and deserialization refuse from outside.
    pub internal: Vec<Ident>,
    /// The span of the `async` flag: typed transitions for async recorders (`Awaited`), and
    /// `async` exit hooks and transition actions.
    pub is_async: Option<proc_macro2::Span>,
}

const OPTIONS: &[&str] = &[
    "crate", "module", "derive", "context", "hooks", "timeouts", "internal", "async",
];

const ALL_OPTIONS: &str = "the options are `crate = ...`, `module = ...`, `derive(...)`, `context = Type`, `hooks`, `timeouts = required`, `internal(event, ...)` and `async`";

/// Parses the attribute's arguments; reports every malformed option and keeps the valid ones.
pub fn parse(args: TokenStream, errors: &Errors) -> Options {
    let mut options = Options {
        krate: syn::parse_quote!(::statewright),
        module: None,
        derives: Vec::new(),
        context: None,
        hooks: None,
        timeouts_required: false,
        internal: Vec::new(),
        is_async: None,
    };
    let mut seen: Vec<String> = Vec::new();
    for segment in split_commas(args, errors) {
        let mut tokens = segment.into_iter();
        let Some(first) = tokens.next() else { continue };
        let TokenTree::Ident(name) = &first else {
            errors.at(
                first.span(),
                format!(
                    "expected an option name, found {}; {ALL_OPTIONS}",
                    describe(&first)
                ),
            );
            continue;
        };
        let key = name.to_string();
        if !OPTIONS.contains(&key.as_str()) {
            let hint = match names::did_you_mean(&key, OPTIONS.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => ALL_OPTIONS.into(),
            };
            errors.at(name.span(), format!("unknown option `{key}`; {hint}"));
            continue;
        }
        if seen.contains(&key) {
            errors.at(name.span(), format!("duplicate option `{key}`"));
            continue;
        }
        seen.push(key.clone());
        let rest: Vec<TokenTree> = tokens.collect();
        match key.as_str() {
            "crate" => {
                if let Some(path) = value(
                    name,
                    &rest,
                    "a path, like `crate = ::my_crate::statewright`",
                    errors,
                )
                .and_then(|v| parse_path(name, v, errors))
                {
                    options.krate = path;
                }
            }
            "module" => {
                if let Some(ident) = value(
                    name,
                    &rest,
                    "a module name, like `module = order_fsm`",
                    errors,
                )
                .and_then(|v| parse_module(name, v, errors))
                {
                    options.module = Some(ident);
                }
            }
            "context" => {
                if let Some(ty) = value(name, &rest, "a type, like `context = OrderInfo`", errors)
                    .and_then(|v| parse_type(v, errors))
                {
                    options.context = Some(ty);
                }
            }
            "timeouts" => match rest.as_slice() {
                [TokenTree::Punct(eq), TokenTree::Ident(value)]
                    if eq.as_char() == '=' && value == "required" =>
                {
                    options.timeouts_required = true;
                }
                _ => {
                    let at = rest
                        .get(1)
                        .or(rest.first())
                        .map_or(name.span(), TokenTree::span);
                    errors.at(
                        at,
                        "expected `timeouts = required` (every state that is not terminal needs a timeout)",
                    );
                }
            },
            "hooks" => {
                if let Some(extra) = rest.first() {
                    errors.at(
                        extra.span(),
                        "`hooks` takes no value; write `#[state_machine(hooks)]`",
                    );
                } else {
                    options.hooks = Some(name.span());
                }
            }
            "async" => {
                if let Some(extra) = rest.first() {
                    errors.at(
                        extra.span(),
                        "`async` takes no value; write `#[state_machine(async)]`",
                    );
                } else {
                    options.is_async = Some(name.span());
                }
            }
            "internal" => options.internal = parse_internal(name, &rest, errors),
            _ => options.derives = parse_derive(name, &rest, errors),
        }
    }
    options
}

/// The tokens after `name =`, or an error that says what is expected.
fn value<'a>(
    name: &Ident,
    rest: &'a [TokenTree],
    expected: &str,
    errors: &Errors,
) -> Option<&'a [TokenTree]> {
    match rest.first() {
        Some(TokenTree::Punct(p)) if p.as_char() == '=' && rest.len() > 1 => Some(&rest[1..]),
        Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
            errors.at(p.span(), format!("expected {expected} after `=`"));
            None
        }
        Some(other) => {
            errors.at(
                other.span(),
                format!(
                    "expected `=` after `{name}`, found {}; write {expected}",
                    describe(other)
                ),
            );
            None
        }
        None => {
            errors.at(name.span(), format!("`{name}` needs a value: {expected}"));
            None
        }
    }
}

fn parse_path(name: &Ident, tokens: &[TokenTree], errors: &Errors) -> Option<Path> {
    if let Some(TokenTree::Literal(lit)) = tokens.first() {
        errors.at(
            lit.span(),
            format!("expected a path, not a literal: write `{name} = ::my_crate::statewright` without quotes"),
        );
        return None;
    }
    match Path::parse_mod_style.parse2(tokens.iter().cloned().collect()) {
        Ok(path) => Some(path),
        Err(e) => {
            errors.at(
                e.span(),
                format!("expected a path, like `{name} = ::my_crate::statewright`"),
            );
            None
        }
    }
}

fn parse_type(tokens: &[TokenTree], errors: &Errors) -> Option<syn::Type> {
    if let Some(TokenTree::Literal(lit)) = tokens.first() {
        errors.at(
            lit.span(),
            "expected a type, not a literal: write `context = OrderInfo` without quotes",
        );
        return None;
    }
    match syn::Type::parse.parse2(tokens.iter().cloned().collect()) {
        Ok(ty) => Some(ty),
        Err(e) => {
            errors.at(e.span(), "expected a type, like `context = OrderInfo`");
            None
        }
    }
}

fn parse_module(name: &Ident, tokens: &[TokenTree], errors: &Errors) -> Option<Ident> {
    match tokens {
        [TokenTree::Ident(ident)] => {
            let s = ident.to_string();
            if !names::is_usable_name(&s) || !names::is_snake_case(&s) {
                errors.at(
                    ident.span(),
                    format!("the module name `{s}` must be a snake_case identifier that is not a keyword, like `order_fsm`"),
                );
                None
            } else {
                Some(ident.clone())
            }
        }
        [first, ..] => {
            errors.at(
                first.span(),
                format!("expected one identifier, like `{name} = order_fsm`"),
            );
            None
        }
        [] => None,
    }
}

/// `internal(reconcile, ...)`: event names (validation checks that each is an event).
fn parse_internal(name: &Ident, rest: &[TokenTree], errors: &Errors) -> Vec<Ident> {
    const EXPECTED: &str =
        "expected the names of events the machine raises itself, like `internal(reconcile)`";
    match rest {
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => {
            let parser = |input: syn::parse::ParseStream| {
                Punctuated::<Ident, Token![,]>::parse_terminated_with(input, Ident::parse_any)
            };
            match parser.parse2(g.stream()) {
                Ok(names) if names.is_empty() => {
                    errors.at(g.span(), EXPECTED);
                    Vec::new()
                }
                Ok(names) => names.into_iter().collect(),
                Err(e) => {
                    errors.at(e.span(), EXPECTED);
                    Vec::new()
                }
            }
        }
        _ => {
            let span = rest.first().map_or(name.span(), TokenTree::span);
            errors.at(span, EXPECTED);
            Vec::new()
        }
    }
}

fn parse_derive(name: &Ident, rest: &[TokenTree], errors: &Errors) -> Vec<Path> {
    match rest {
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => {
            match Punctuated::<Path, Token![,]>::parse_terminated.parse2(g.stream()) {
                Ok(paths) => paths.into_iter().collect(),
                Err(e) => {
                    errors.at(e.span(), "expected derive paths, like `derive(serde::Serialize, serde::Deserialize)`");
                    Vec::new()
                }
            }
        }
        _ => {
            let span = rest.first().map_or(name.span(), TokenTree::span);
            errors.at(
                span,
                "expected a list of derives, like `derive(serde::Serialize, serde::Deserialize)`",
            );
            Vec::new()
        }
    }
}
