//! Code generation from a valid (or repaired) model. One file per generated artifact:
//!
//! - `states`: one struct per state, and its `State` impl
//! - `events`: the event enum and one trait per event, implemented by the states that handle it
//! - `typed`: the typed machine, its transition methods, the enum of typed machines, `start`
//! - `machine`: the `StateMachine` impl of the enum (the dynamic API's glue) and conversions
//! - `wire`: the event enum's `Serialize` and `Deserialize` (its wire form), when asked for
//! - `definition`: the `'static` definition
//! - `docs`: the text of the generated documentation
//!
//! Items the user names live in a module next to the enum (`order` for `Order`). Nothing in
//! that module names the enum (it reaches it through `<Initial as State>::Machine`), so that the
//! machine also works when the enum is declared inside a function body; code that names the
//! enum sits next to it, inside `const _: () = { ... };`.

mod choices;
mod definition;
mod docs;
mod events;
mod hooks;
mod machine;
mod states;
mod typed;
mod wire;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::Parser;
use syn::{DeriveInput, Fields, Path, Visibility};

use crate::model::Model;

/// What every generator needs: the model and the names chosen for generated code.
pub struct Ctx<'a> {
    pub model: &'a Model,
    /// The `statewright` crate.
    pub krate: &'a Path,
    /// The generated module.
    pub module: &'a Ident,
    /// The annotated enum.
    pub ident: &'a Ident,
    /// The recorder type parameter of the `Dynamic` alias: `R`, unless a state has that name.
    pub r: Ident,
    /// The initial state.
    pub initial: usize,
    /// The visibility of the items inside the generated module: the enum's visibility, as
    /// seen from inside the module.
    pub vis: TokenStream,
    /// The context type, as seen next to the enum: the `context` option's, or `()`.
    pub context: TokenStream,
}

impl<'a> Ctx<'a> {
    fn new(model: &'a Model) -> Self {
        let taken = |name: &str| model.states.iter().any(|s| s.ident == name);
        let param = |name: &str| {
            if taken(name) {
                format_ident!("__{}", name)
            } else {
                Ident::new(name, Span::call_site())
            }
        };
        Ctx {
            model,
            krate: &model.krate,
            module: &model.module,
            ident: &model.ident,
            r: param("R"),
            initial: model.initial(),
            vis: inner_vis_at(&model.vis, 1),
            context: match &model.context {
                Some(ty) => quote!(#ty),
                None => quote!(()),
            },
        }
    }

    /// The type of state `i` inside the generated module.
    pub fn state_ident(&self, i: usize) -> &Ident {
        &self.model.states[i].ident
    }

    /// The name of state `i` in text: without the `r#` of a raw identifier.
    pub fn state_name(&self, i: usize) -> String {
        crate::names::text(&self.model.states[i].ident)
    }
}

/// The enum, the generated module and the glue next to the enum.
pub fn generate(item: &DeriveInput, model: &Model) -> TokenStream {
    let cx = Ctx::new(model);
    let module = module(&cx);
    let glue = glue(&cx);
    let mut item = item.clone();
    let diagram = crate::diagram::attribute(&cx);
    item.attrs.extend(
        syn::Attribute::parse_outer
            .parse2(diagram)
            .unwrap_or_default(),
    );
    let aliases = model.aliases.iter().map(|(alias, ty)| {
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            type #alias = #ty;
        }
    });
    quote! {
        #item
        #(#aliases)*
        #module
        #glue
    }
}

fn module(cx: &Ctx) -> TokenStream {
    let vis = &cx.model.vis;
    let module = cx.module;
    let doc = docs::module(cx);
    let states = states::types(cx);
    let events = events::types(cx);
    let choices = choices::types(cx);
    let hooks = hooks::types(cx);
    let typed = typed::types(cx);
    quote! {
        #[doc = #doc]
        // The generated API is complete whether or not a crate uses all of it.
        #[allow(dead_code)]
        #vis mod #module {
            // Field types are written next to the enum; this makes them resolve here too.
            #[allow(unused_imports)]
            use super::*;

            #states
            #events
            #choices
            #hooks
            #typed
        }
    }
}

fn glue(cx: &Ctx) -> TokenStream {
    let definition = definition::statics(cx);
    let machine = machine::impls(cx);
    let states = states::impls(cx);
    let events = events::impls(cx);
    let wire = wire::impls(cx);
    quote! {
        const _: () = {
            #definition
            #machine
            #states
            #events
            #wire
        };
    }
}

/// The enum's visibility as seen from `depth` modules further in: `pub(in super)` for a
/// private enum one module in, `pub(in super::super)` for a `pub(super)` one, and so on.
fn inner_vis_at(vis: &Visibility, depth: usize) -> TokenStream {
    let ups: Vec<Ident> = (0..depth)
        .map(|_| Ident::new("super", Span::call_site()))
        .collect();
    match vis {
        Visibility::Public(_) => quote!(pub),
        Visibility::Inherited => quote!(pub(in #(#ups)::*)),
        Visibility::Restricted(r) => {
            let path = &r.path;
            let first = path.segments.first().map(|s| s.ident.to_string());
            match first.as_deref() {
                _ if path.leading_colon.is_some() => quote!(#vis),
                Some("crate") => quote!(#vis),
                Some("self") => {
                    let rest = path.segments.iter().skip(1);
                    quote!(pub(in #(#ups)::* #(::#rest)*))
                }
                _ => quote!(pub(in #(#ups)::*::#path)),
            }
        }
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = group.into();
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// The bindings for a value's fields: `__f0`, `__f1`, ...
fn bindings(fields: &Fields) -> Vec<Ident> {
    (0..fields.len())
        .map(|i| format_ident!("__f{}", i))
        .collect()
}

/// `path { a: __f0, b: __f1 }`, `path(__f0, __f1)` or `path`: a pattern that binds a value's
/// fields, and also the expression that builds a value from those bindings.
fn shape(path: TokenStream, fields: &Fields) -> TokenStream {
    let vars = bindings(fields);
    match fields {
        Fields::Named(named) => {
            let names = named.named.iter().map(|f| &f.ident);
            quote! { #path { #(#names: #vars),* } }
        }
        Fields::Unnamed(_) => quote! { #path(#(#vars),*) },
        Fields::Unit => path,
    }
}
