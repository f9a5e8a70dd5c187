//! One struct per state, holding the state's data, and its `State` impl.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Attribute, Field, Fields};

use super::{Ctx, docs, shape};
use crate::model::Kind;

/// The state structs, inside the generated module.
///
/// A state with data gets the enum's standard derives and the `derive(...)` option's; a state
/// without data gets `Debug` (when the enum derives it) and the option's only: comparing or
/// cloning a value that carries nothing is never needed, and the derives cost compile time in
/// proportion to the number of states.
pub fn types(cx: &Ctx) -> TokenStream {
    let vis = &cx.vis;
    let mut carried = vec![false; cx.model.states.len()];
    for e in 0..cx.model.events.len() {
        match cx.model.kind(e) {
            Kind::Choice(targets) => targets.iter().for_each(|&t| carried[t] = true),
            Kind::Guard(t) => carried[*t] = true,
            Kind::Plain => {}
        }
    }
    cx.model
        .states
        .iter()
        .enumerate()
        .map(|(i, state)| {
            let ident = &state.ident;
            let user_docs = &state.docs.attrs;
            let separator = (!user_docs.is_empty()).then(|| quote!(#[doc = ""]));
            let doc = docs::state(cx, i);
            let body = struct_body(cx, &state.fields, &crate::names::text(ident), ident.span());
            let vis = super::respan(vis.clone(), ident.span());
            // A choice's or a guard's target is carried by the event enum, which has all the
            // derives; it needs them too.
            let derives = if state.has_data() || carried[i] {
                cx.model.derives.clone()
            } else {
                cx.model.unit_derives()
            };
            // Spanned on the variant, so that the compiler's notes about the state type point
            // at the user's variant rather than at the attribute.
            quote_spanned! {ident.span()=>
                #(#user_docs)*
                #separator
                #[doc = #doc]
                #[derive(#(#derives),*)]
                #vis struct #ident #body
            }
        })
        .collect()
}

/// `{ pub a: A }`, `(pub A);` or `;`, with documented fields.
fn struct_body(cx: &Ctx, fields: &Fields, owner: &str, span: Span) -> TokenStream {
    let fields_of = |fields: &mut dyn Iterator<Item = (usize, &Field)>| -> Vec<TokenStream> {
        fields
            .map(|(n, f)| {
                let attrs = field_attrs(cx, f, owner, n);
                let (vis, ty) = (&f.vis, &f.ty);
                match &f.ident {
                    Some(name) => quote!(#(#attrs)* #vis #name: #ty),
                    None => quote!(#(#attrs)* #vis #ty),
                }
            })
            .collect()
    };
    match fields {
        Fields::Named(named) => {
            let fields = fields_of(&mut named.named.iter().enumerate());
            quote_spanned!(span=> { #(#fields),* })
        }
        Fields::Unnamed(unnamed) => {
            let fields = fields_of(&mut unnamed.unnamed.iter().enumerate());
            quote_spanned!(span=> (#(#fields),*);)
        }
        Fields::Unit => quote_spanned!(span=> ;),
    }
}

/// A field's attributes on a generated type: its docs (or a generated line), and its other
/// attributes when the user asked for extra derives (whose helper attributes they are).
pub fn field_attrs(cx: &Ctx, field: &Field, owner: &str, n: usize) -> Vec<TokenStream> {
    let is_doc = |a: &&Attribute| a.path().is_ident("doc");
    let mut out: Vec<TokenStream> = field
        .attrs
        .iter()
        .filter(|a| is_doc(a) || cx.model.copy_field_attrs)
        .map(|a| quote!(#a))
        .collect();
    if !field.attrs.iter().any(|a| is_doc(&a)) {
        let doc = match &field.ident {
            Some(name) => format!("The `{}` of the `{owner}` state.", unraw(&name.to_string())),
            None => format!("Field {n} of the `{owner}` state."),
        };
        out.insert(0, quote!(#[doc = #doc]));
    }
    out
}

fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// `State` for every state struct.
pub fn impls(cx: &Ctx) -> TokenStream {
    let (krate, module, ident) = (cx.krate, cx.module, cx.ident);
    let mut out = TokenStream::new();
    for (i, state) in cx.model.states.iter().enumerate() {
        let name = &state.ident;
        let index = i as u32;
        let from = shape(quote!(#module::#name), &state.fields);
        let to = shape(quote!(#ident::#name), &state.fields);
        let destructure = (!state.fields.is_empty()).then(|| quote!(let #from = self;));
        let hooks = super::hooks::state_items(cx, i);
        out.extend(quote! {
            #[automatically_derived]
            impl #krate::State for #module::#name {
                type Machine = #ident;
                const ID: #krate::StateId = #krate::__private::state_id(#index);
                #[inline]
                fn into_enum(self) -> #ident {
                    #destructure
                    #to
                }
                #hooks
            }
        });
    }
    for i in unit_targets(cx) {
        let name = cx.state_ident(i);
        let value = shape(quote!(#module::#name), &cx.model.states[i].fields);
        out.extend(quote! {
            #[automatically_derived]
            impl #krate::__private::Unit for #module::#name {
                const VALUE: Self = #value;
            }
        });
    }
    out
}

/// The states that are targets of an event leading to several states: they are built
/// generically, through `Unit`.
fn unit_targets(cx: &Ctx) -> Vec<usize> {
    let mut out: Vec<usize> = (0..cx.model.events.len())
        .filter(|&e| *cx.model.kind(e) == crate::model::Kind::Plain)
        .map(|e| cx.model.targets(e))
        .filter(|targets| targets.len() > 1)
        .flatten()
        .copied()
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
