//! The enums of choices: `PaidOrDeclined` for `#[on(pay -> Paid | Declined)]`.
//!
//! One generic enum per distinct list of targets, with one variant per target named after it.
//! Its parameters default to the targets' state types, so the same enum is what the caller
//! decides (`PaidOrDeclined::Declined(order::Declined)`, also carried by the event enum) and
//! what the typed transition returns (`PaidOrDeclined<Machine<Paid, R>, Machine<Declined, R>>`):
//! a `match` on the result must handle every declared target.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use super::Ctx;
use crate::model::Kind;

/// The distinct choices, each as its list of targets, in order of first appearance.
pub fn distinct(cx: &Ctx) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for e in 0..cx.model.events.len() {
        if let Kind::Choice(targets) = cx.model.kind(e) {
            let name = cx.model.choice_name(targets);
            if !out.iter().any(|t| cx.model.choice_name(t) == name) {
                out.push(targets.clone());
            }
        }
    }
    out
}

/// The generic parameter that stands for the `i`th target `t` of its choice enum: `A`, `B`,
/// ... as rustdoc shows them (`PaidOrDeclined<A = Paid, B = Declined>`), or `__Paid` when a
/// state has that letter's name (the parameters' defaults name the state types).
pub fn param(cx: &Ctx, i: usize, t: usize) -> syn::Ident {
    let letter = (i < 26).then(|| char::from(b'A' + i as u8).to_string());
    match letter {
        Some(l)
            if !cx
                .model
                .states
                .iter()
                .any(|s| crate::names::text(&s.ident) == l) =>
        {
            format_ident!("{}", l)
        }
        _ => format_ident!("__{}", cx.state_ident(t)),
    }
}

/// Where a choice is first written: the event of `#[on(event -> A | B)]` and each of its
/// targets there (`call_site` for one not found, which a valid model never has). The compiler's
/// notes about the choice enum and its `From` impls then point at the user's definition.
pub fn written_at(cx: &Ctx, targets: &[usize]) -> (Span, Vec<Span>) {
    let name = cx.model.choice_name(targets);
    let first = cx.model.transitions.iter().find(
        |t| matches!(cx.model.kind(t.event), Kind::Choice(ts) if cx.model.choice_name(ts) == name),
    );
    let Some(first) = first else {
        return (Span::call_site(), vec![Span::call_site(); targets.len()]);
    };
    let in_group = |to: usize| {
        cx.model
            .transitions
            .iter()
            .find(|t| t.group == first.group && t.to == Some(to))
            .map_or_else(Span::call_site, |t| t.target.span())
    };
    (
        first.event_ident.span(),
        targets.iter().map(|&t| in_group(t)).collect(),
    )
}

/// The choice enums, inside the generated module.
pub fn types(cx: &Ctx) -> TokenStream {
    let vis = &cx.vis;
    // A choice's serialized form is the `"to"` of its event's: no serde derives of its own.
    let derives = cx.model.event_derives();
    let derives = &(!derives.is_empty()).then(|| quote!(#[derive(#(#derives),*)]));
    distinct(cx)
        .iter()
        .map(|targets| {
            let name = cx.model.choice_name(targets);
            let (event_span, _) = written_at(cx, targets);
            let listed: Vec<String> = targets
                .iter()
                .map(|&t| format!("[`{0}`]", cx.state_name(t)))
                .collect();
            let doc = format!(
                "A choice between {}: what the caller decides when an event may lead to any of \
                 them, and, holding typed machines (`{name}<Machine<A, R>, ...>`), what the \
                 transition returns. Each variant is named after its target state.",
                listed.join(" or ")
            );
            let params = targets.iter().enumerate().map(|(i, &t)| {
                let (p, state) = (param(cx, i, t), cx.state_ident(t));
                quote!(#p = #state)
            });
            let variants = targets.iter().enumerate().map(|(i, &t)| {
                let (p, state) = (param(cx, i, t), cx.state_ident(t));
                let doc = format!("The choice of [`{}`].", crate::names::text(state));
                quote! {
                    #[doc = #doc]
                    #state(#p)
                }
            });
            // The enum's attributes and header are spanned on the event, so that "`From<..>` is
            // not implemented for `PaidOrDeclined`" points at the `#[on]` that declares the
            // choice (its variants keep their states' spans, for "not covered" notes).
            let header = super::respan(
                quote! {
                    #[doc = #doc]
                    #[must_use = "each variant is a different state the machine may be in; match on it"]
                    #derives
                    #vis enum #name<#(#params),*>
                },
                event_span,
            );
            let mut body = proc_macro2::Group::new(
                proc_macro2::Delimiter::Brace,
                quote!(#(#variants,)*),
            );
            body.set_span(event_span);
            // Its `From` impls, one per target, are in `typed`'s `__machine`, where their
            // parameter can have a plain name.
            quote! {
                #header #body
            }
        })
        .collect()
}
