//! The enums of choices: `PaidOrDeclined` for `#[on(pay -> Paid | Declined)]`.
//!
//! One generic enum per distinct list of targets, with one variant per target named after it.
//! Its parameters default to the targets' state types, so the same enum is what the caller
//! decides (`PaidOrDeclined::Declined(order::Declined)`, also carried by the event enum) and
//! what the typed transition returns (`PaidOrDeclined<Machine<Paid, R>, Machine<Declined, R>>`):
//! a `match` on the result must handle every declared target.

use proc_macro2::TokenStream;
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

/// The generic parameter that stands for target `t` in its choice enum: `__Paid`.
pub fn param(cx: &Ctx, t: usize) -> syn::Ident {
    format_ident!("__{}", cx.state_ident(t))
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
            let params = targets.iter().map(|&t| {
                let (p, state) = (param(cx, t), cx.state_ident(t));
                quote!(#p = #state)
            });
            let variants = targets.iter().map(|&t| {
                let (p, state) = (param(cx, t), cx.state_ident(t));
                let doc = format!("The choice of [`{}`].", crate::names::text(state));
                quote! {
                    #[doc = #doc]
                    #state(#p)
                }
            });
            let froms = targets.iter().map(|&t| {
                let state = cx.state_ident(t);
                let doc = format!("The choice of [`{}`].", crate::names::text(state));
                quote! {
                    impl ::core::convert::From<#state> for #name {
                        #[doc = #doc]
                        #[inline]
                        fn from(__state: #state) -> Self {
                            #name::#state(__state)
                        }
                    }
                }
            });
            quote! {
                #(#froms)*

                #[doc = #doc]
                #[must_use = "each variant is a different state the machine may be in; match on it"]
                #derives
                #vis enum #name<#(#params),*> {
                    #(#variants,)*
                }
            }
        })
        .collect()
}
