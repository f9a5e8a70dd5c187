//! `#[composite(Active, initial, parent = Outer, on(cancel -> Cancelled), ...)]` on the enum,
//! and `#[parent(Active)]` on a variant.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::{Attribute, Ident, Meta};

use super::tokens::{describe, split_commas};
use super::{OnInput, TimeoutInput, attr_span, helpers, timeout};
use crate::errors::Errors;

/// One `#[composite(...)]`: a composite state.
pub struct CompositeInput {
    pub ident: Ident,
    /// `parent = Outer`, as written.
    pub parent: Option<Ident>,
    /// The spans of its `initial` flags.
    pub initial: Vec<Span>,
    /// The spans of its `terminal` flags (an error: a composite cannot be terminal).
    pub terminal: Vec<Span>,
    pub enter: Vec<Span>,
    pub exit: Vec<Span>,
    pub on: Vec<OnInput>,
    pub timeouts: Vec<TimeoutInput>,
    pub timeout_spans: Vec<Span>,
    /// `doc = "..."`.
    pub doc: String,
}

const EXPECTED: &str = "write `#[composite(Name, initial, parent = Outer, on(event -> Target), \
                        timeout(30s -> Target), enter, exit, doc = \"...\")]`; only the name is \
                        required";

/// Parses `#[composite(...)]`; reports what is malformed and returns `None` when the name is
/// missing.
pub fn parse_composite(attr: &Attribute, errors: &Errors) -> Option<CompositeInput> {
    let span = attr_span(attr);
    let Meta::List(list) = &attr.meta else {
        errors.at(
            span,
            format!("`#[composite]` needs the composite state's name: {EXPECTED}"),
        );
        return None;
    };
    let parts = split_commas(list.tokens.clone(), errors);
    let ident = match parts.first().map(Vec::as_slice) {
        Some([TokenTree::Ident(ident)]) => ident.clone(),
        Some([first, ..]) => {
            errors.at(
                first.span(),
                format!(
                    "expected the composite state's name first, found {}: {EXPECTED}",
                    describe(first)
                ),
            );
            return None;
        }
        _ => {
            errors.at(span, format!("`#[composite()]` is empty: {EXPECTED}"));
            return None;
        }
    };
    let mut out = CompositeInput {
        ident,
        parent: None,
        initial: Vec::new(),
        terminal: Vec::new(),
        enter: Vec::new(),
        exit: Vec::new(),
        on: Vec::new(),
        timeouts: Vec::new(),
        timeout_spans: Vec::new(),
        doc: String::new(),
    };
    for part in &parts[1..] {
        let Some(TokenTree::Ident(key)) = part.first() else {
            errors.at(
                part[0].span(),
                format!(
                    "unexpected {} in `#[composite(...)]`: {EXPECTED}",
                    describe(&part[0])
                ),
            );
            continue;
        };
        let name = key.to_string();
        match (name.as_str(), &part[1..]) {
            ("initial" | "terminal" | "enter" | "exit", []) => {
                let spans = match name.as_str() {
                    "initial" => &mut out.initial,
                    "terminal" => &mut out.terminal,
                    "enter" => &mut out.enter,
                    _ => &mut out.exit,
                };
                spans.push(key.span());
            }
            ("parent", [TokenTree::Punct(eq), TokenTree::Ident(parent)]) if eq.as_char() == '=' => {
                if out.parent.is_some() {
                    errors.at(
                        parent.span(),
                        "`parent` is given twice; a state has one parent",
                    );
                } else {
                    out.parent = Some(parent.clone());
                }
            }
            ("doc", [TokenTree::Punct(eq), TokenTree::Literal(lit)]) if eq.as_char() == '=' => {
                match syn::parse2::<syn::LitStr>(TokenTree::Literal(lit.clone()).into()) {
                    Ok(text) => out.doc = text.value().trim().to_owned(),
                    Err(_) => errors.at(lit.span(), "`doc` takes a string: `doc = \"...\"`"),
                }
            }
            ("on" | "timeout", [TokenTree::Group(group)])
                if group.delimiter() == proc_macro2::Delimiter::Parenthesis =>
            {
                // Parsed as the variant attribute of the same name, so that the same mistakes
                // get the same messages.
                let inner = group.stream();
                let attr = as_attribute(key, group.span(), inner);
                if name == "on" {
                    out.on.push(OnInput {
                        span: group.span(),
                        transitions: helpers::parse_on(&attr, errors),
                    });
                } else {
                    out.timeout_spans.push(key.span());
                    if let Some(t) = timeout::parse_timeout(&attr, errors) {
                        out.timeouts.push(t);
                    }
                }
            }
            _ => errors.at(
                key.span(),
                format!("unexpected `{name}` in `#[composite(...)]`: {EXPECTED}"),
            ),
        }
    }
    Some(out)
}

/// `#[key(inner)]`, with the tokens' own spans, for the variant attributes' parsers.
fn as_attribute(key: &Ident, span: Span, inner: TokenStream) -> Attribute {
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, inner);
    group.set_span(span);
    syn::parse_quote!(#[#key #group])
}

/// Parses `#[parent(Active)]`: the composite the state is inside.
pub fn parse_parent(attr: &Attribute, errors: &Errors) -> Option<Ident> {
    const EXPECTED: &str = "write `#[parent(Composite)]` with the name of a `#[composite(...)]`";
    let Meta::List(list) = &attr.meta else {
        errors.at(
            attr_span(attr),
            format!("`#[parent]` needs a name: {EXPECTED}"),
        );
        return None;
    };
    let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
    match tokens.as_slice() {
        [TokenTree::Ident(ident)] => Some(ident.clone()),
        [] => {
            errors.at(
                attr_span(attr),
                format!("`#[parent()]` is empty: {EXPECTED}"),
            );
            None
        }
        [first, ..] => {
            errors.at(
                first.span(),
                format!("expected one composite state's name: {EXPECTED}"),
            );
            None
        }
    }
}
