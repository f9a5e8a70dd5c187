//! Syntax: the attribute's arguments, the enum, and the helper attributes on its variants.
//!
//! Parsing reports every syntax error it finds and keeps going, so that one build shows them
//! all. It also removes the helper attributes from the enum, which is emitted as the user wrote
//! it otherwise.

mod composite;
mod helpers;
mod options;
mod timeout;
mod tokens;

use proc_macro2::{Span, TokenStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, Lit, Meta, Path, Token, Visibility};

pub use composite::CompositeInput;
pub use helpers::TransitionInput;
pub use options::Options;
pub use timeout::TimeoutInput;

use crate::errors::Errors;

/// The parsed input of `#[state_machine]`.
pub enum Parsed {
    /// An enum the macro can generate a machine for (possibly with mistakes in its definition).
    Enum(Box<Input>),
    /// Something the macro cannot work with (not an enum, a generic enum, `#[cfg]` on a
    /// variant); the tokens are emitted as they are, without the helper attributes.
    Unsupported(TokenStream),
}

/// An annotated enum.
pub struct Input {
    pub options: Options,
    /// The enum as the user wrote it, minus the helper attributes: this is what is emitted.
    pub item: DeriveInput,
    pub ident: Ident,
    pub vis: Visibility,
    pub docs: Docs,
    pub variants: Vec<VariantInput>,
    /// The enum's standard derives (`Debug`, `Clone`, ...), mirrored on the generated types.
    pub std_derives: Vec<Path>,
    /// Its `#[composite(...)]` attributes that parsed, in order.
    pub composites: Vec<CompositeInput>,
}

/// Doc comments: the attributes, to copy onto generated items, and their text.
#[derive(Default, Clone)]
pub struct Docs {
    pub attrs: Vec<Attribute>,
    pub text: String,
}

/// One variant: a state.
pub struct VariantInput {
    pub ident: Ident,
    /// The variant's fields, minus helper attributes; attributes other than docs are kept so
    /// that the `derive(...)` option can copy them.
    pub fields: Fields,
    pub docs: Docs,
    /// The spans of its `#[initial]` attributes (normally none or one).
    pub initial: Vec<Span>,
    /// The spans of its `#[terminal]` attributes.
    pub terminal: Vec<Span>,
    /// The spans of its `#[enter]` attributes (an entry hook).
    pub enter: Vec<Span>,
    /// The spans of its `#[exit]` attributes (an exit hook).
    pub exit: Vec<Span>,
    /// Its `#[timeout(...)]` attributes that parsed.
    pub timeouts: Vec<TimeoutInput>,
    /// The spans of all its `#[timeout(...)]` attributes, malformed ones included.
    pub timeout_spans: Vec<Span>,
    /// Its `#[no_timeout(reason = "...")]` attributes (span and reason, if it parsed).
    pub no_timeout: Vec<(Span, Option<String>)>,
    /// Its `#[on(...)]` attributes.
    pub on: Vec<OnInput>,
    /// Its `#[parent(...)]` attributes: span, and the name if it parsed.
    pub parent: Vec<(Span, Option<Ident>)>,
}

/// One `#[on(...)]` attribute.
pub struct OnInput {
    pub span: Span,
    pub transitions: Vec<TransitionInput>,
}

/// Derives that are safe to repeat on the generated state types and event enum: they only ask
/// of the fields what the enum's own derive asks.
const STD_DERIVES: &[&str] = &[
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "Hash",
    "PartialOrd",
    "Ord",
];

pub fn parse(args: TokenStream, input: TokenStream, errors: &Errors) -> Parsed {
    let options = options::parse(args, errors);
    let mut item = match syn::parse2::<DeriveInput>(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            errors.at(e.span(), NOT_AN_ENUM);
            return Parsed::Unsupported(input);
        }
    };
    let mut supported = true;
    let variants = match &mut item.data {
        Data::Enum(data) => &mut data.variants,
        Data::Struct(s) => {
            errors.at(s.struct_token.span, NOT_AN_ENUM);
            return Parsed::Unsupported(input);
        }
        Data::Union(u) => {
            errors.at(u.union_token.span, NOT_AN_ENUM);
            return Parsed::Unsupported(input);
        }
    };

    let mut parsed_variants = Vec::with_capacity(variants.len());
    for variant in variants.iter_mut() {
        let mut v = VariantInput {
            ident: variant.ident.clone(),
            fields: Fields::Unit,
            docs: docs(&variant.attrs),
            initial: Vec::new(),
            terminal: Vec::new(),
            enter: Vec::new(),
            exit: Vec::new(),
            timeouts: Vec::new(),
            timeout_spans: Vec::new(),
            no_timeout: Vec::new(),
            on: Vec::new(),
            parent: Vec::new(),
        };
        variant.attrs.retain(|attr| {
            let (name, misspelled) = match helpers::helper_name(attr) {
                Some(name) => (name, false),
                None => match helpers::misspelled_helper(attr) {
                    Some(meant) => {
                        errors.at(
                            attr.path().span(),
                            format!(
                                "unknown attribute `#[{}]`; did you mean `#[{meant}]`?",
                                path_text(attr.path())
                            ),
                        );
                        // Count it as what was meant, so that no follow-on error (a missing
                        // initial state, say) is reported for the same typo.
                        (meant, true)
                    }
                    None => {
                        if attr.path().is_ident("composite") {
                            errors.at(
                                attr_span(attr),
                                "`#[composite(...)]` belongs on the enum, after `#[state_machine]`; \
                                 put a state inside a composite with `#[parent(Name)]`",
                            );
                            return false;
                        }
                        if is_cfg(attr) {
                            errors.at(attr_span(attr), CFG_ON_STATE);
                            supported = false;
                        }
                        return true;
                    }
                },
            };
            match name {
                "initial" | "terminal" | "enter" | "exit" => {
                    if !misspelled {
                        helpers::parse_flag(attr, name, errors);
                    }
                    let spans = match name {
                        "initial" => &mut v.initial,
                        "terminal" => &mut v.terminal,
                        "enter" => &mut v.enter,
                        _ => &mut v.exit,
                    };
                    spans.push(attr_span(attr));
                }
                "timeout" => {
                    v.timeout_spans.push(attr_span(attr));
                    if let Some(timeout) = timeout::parse_timeout(attr, errors) {
                        v.timeouts.push(timeout);
                    }
                }
                "no_timeout" => {
                    let reason = timeout::parse_no_timeout(attr, errors);
                    v.no_timeout.push((attr_span(attr), reason));
                }
                "parent" => {
                    let parent = composite::parse_parent(attr, errors);
                    v.parent.push((attr_span(attr), parent));
                }
                _ => {
                    let transitions = helpers::parse_on(attr, errors);
                    v.on.push(OnInput {
                        span: attr_span(attr),
                        transitions,
                    });
                }
            }
            false
        });
        for field in variant.fields.iter_mut() {
            field.attrs.retain(|attr| {
                if let Some(name) = helpers::helper_name(attr) {
                    errors.at(
                        attr_span(attr),
                        format!("`#[{name}]` belongs on a variant (a state), not on a field"),
                    );
                    return false;
                }
                if is_cfg(attr) {
                    errors.at(attr_span(attr), CFG_ON_FIELD);
                    supported = false;
                }
                true
            });
        }
        // The model's copy of the fields, without helper attributes (a `#[cfg]` makes the
        // input unsupported, so it never reaches the model).
        v.fields = variant.fields.clone();
        parsed_variants.push(v);
    }

    let mut composites = Vec::new();
    item.attrs.retain(|attr| match helpers::helper_name(attr) {
        None if attr.path().is_ident("composite") => {
            composites.extend(composite::parse_composite(attr, errors));
            false
        }
        Some(name) => {
            errors.at(
                attr_span(attr),
                format!("`#[{name}]` belongs on a variant (a state), not on the enum"),
            );
            false
        }
        None => true,
    });

    if item.generics.lt_token.is_some() {
        errors.at(
            item.generics.span(),
            "a state machine enum cannot have generic parameters; give its fields concrete types",
        );
        supported = false;
    } else if let Some(where_clause) = &item.generics.where_clause {
        errors.at(
            where_clause.where_token.span,
            "a state machine enum cannot have a `where` clause",
        );
        supported = false;
    }
    if parsed_variants.is_empty() {
        errors.at(
            item.ident.span(),
            format!(
                "`{}` has no variants; a state machine needs at least one state, one variant per state",
                item.ident
            ),
        );
        supported = false;
    }
    if !supported {
        return Parsed::Unsupported(quote::ToTokens::into_token_stream(item));
    }

    Parsed::Enum(Box::new(Input {
        options,
        ident: item.ident.clone(),
        vis: item.vis.clone(),
        docs: docs(&item.attrs),
        std_derives: std_derives(&item.attrs),
        variants: parsed_variants,
        composites,
        item,
    }))
}

const NOT_AN_ENUM: &str =
    "`#[state_machine]` goes on an enum whose variants are the machine's states";

const CFG_ON_STATE: &str = "`#[cfg]` on a state is not supported: a machine's states and transitions cannot depend on the build configuration";

const CFG_ON_FIELD: &str = "`#[cfg]` on a state's field is not supported: the state's data is copied into generated types that must match it";

/// The span of an attribute's `[...]`: one token tree, so it covers the whole attribute.
pub(crate) fn attr_span(attr: &Attribute) -> Span {
    attr.bracket_token.span.join()
}

fn is_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr")
}

fn path_text(path: &Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// The doc attributes and their text: each line without its first space, trimmed as a whole.
fn docs(attrs: &[Attribute]) -> Docs {
    let mut out = Docs::default();
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        out.attrs.push(attr.clone());
        if let Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(lit) = &nv.value {
                if let Lit::Str(s) = &lit.lit {
                    let value = s.value();
                    for line in value.lines() {
                        lines.push(line.strip_prefix(' ').unwrap_or(line).to_owned());
                    }
                }
            }
        }
    }
    out.text = lines.join("\n").trim().to_owned();
    out
}

/// The standard derives among the enum's `#[derive(...)]` attributes.
fn std_derives(attrs: &[Attribute]) -> Vec<Path> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            continue; // rustc reports a malformed derive
        };
        for path in paths {
            let is_std = path
                .segments
                .last()
                .is_some_and(|s| STD_DERIVES.iter().any(|d| s.ident == d));
            if is_std {
                out.push(path);
            }
        }
    }
    out
}
