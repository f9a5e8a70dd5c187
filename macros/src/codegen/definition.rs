//! The `'static` definition, as one static next to the enum.
//!
//! The tables are flat arrays of string and integer literals: for a machine of 200 states and
//! 800 transitions, `cargo check` spends about 27 million instructions on them, against 138
//! million for the same tables as struct literals and more for calls of `const fn`s.

use proc_macro2::TokenStream;
use quote::quote;

use super::Ctx;

pub fn statics(cx: &Ctx) -> TokenStream {
    let krate = cx.krate;
    let model = cx.model;
    let names = model.states.iter().map(|s| crate::names::text(&s.ident));
    let docs = model.states.iter().map(|s| s.docs.text.as_str());
    let terminal = model.states.iter().map(|s| !s.terminal.is_empty());
    let mut first: Vec<u32> = model
        .transition_ranges()
        .iter()
        .map(|(first, _)| *first as u32)
        .collect();
    first.push(model.transitions.len() as u32);
    let events = model.events.iter().map(|e| e.name.as_str());
    let pairs = model
        .transitions
        .iter()
        .flat_map(|t| [t.event as u32, t.to.unwrap_or(t.from) as u32]);
    let name = crate::names::text(cx.ident);
    let doc = &model.docs.text;
    let initial = cx.initial as u32;
    let guarded = model
        .transitions
        .iter()
        .enumerate()
        .filter(|(_, t)| t.guard.is_some())
        .map(|(i, _)| i as u32);
    let hooks = model
        .states
        .iter()
        .map(|s| u8::from(!s.enter.is_empty()) | (u8::from(!s.exit.is_empty()) << 1));
    let timeouts = model
        .transitions
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let (millis, resume) = t.timeout?;
            Some([t.from as u64, millis, i as u64, u64::from(resume)])
        })
        .flatten();
    let hooks = if model.hooks {
        quote!(&[#(#hooks),*])
    } else {
        quote!(&[])
    };
    let table = quote! {
        #krate::__private::definition(
            #name,
            #doc,
            &[#(#names),*],
            &[#(#docs),*],
            &[#(#terminal),*],
            &[#(#first),*],
            &[#(#events),*],
            &[#(#pairs),*],
            #initial,
            &[#(#guarded),*],
            #hooks,
            &[#(#timeouts),*],
        )
    };
    // Internal events (timeouts', and those named in `internal(...)`): a flag per event, for
    // machines that have any.
    let internal: Vec<bool> = (0..model.events.len())
        .map(|e| model.is_internal(e))
        .collect();
    let table = if internal.contains(&true) {
        quote!(#krate::__private::with_internal(#table, &[#(#internal),*]))
    } else {
        table
    };
    let table = if model.is_hierarchical() {
        let h = hierarchy(cx);
        quote! {
            #krate::__private::with_hierarchy(#table, &#h)
        }
    } else {
        table
    };
    quote! {
        static __DEFINITION: #krate::Definition = #table;
    }
}

/// The composite states' tables (see the runtime's `Hierarchy`): names, docs, per node its
/// parent, per composite its initial child and hooks, per transition where it is declared, what
/// it targets and how many nodes it leaves.
fn hierarchy(cx: &Ctx) -> TokenStream {
    use crate::hierarchy::NodeRef;
    let (krate, model) = (cx.krate, cx.model);
    let states = model.states.len() as u32;
    let node = |n: NodeRef| match n {
        NodeRef::State(s) => s as u32,
        NodeRef::Composite(c) => states + c as u32,
    };
    let names = model
        .composites
        .iter()
        .map(|c| crate::names::text(&c.ident));
    let docs = model.composites.iter().map(|c| c.doc.as_str());
    let parents = model
        .states
        .iter()
        .map(|s| s.parent)
        .chain(model.composites.iter().map(|c| c.parent))
        .map(|p| p.map_or(u32::MAX, |p| p as u32));
    let initial =
        (0..model.composites.len()).map(|c| model.initial_child(Some(c)).map_or(u32::MAX, node));
    let hooks: Vec<u8> = model
        .composites
        .iter()
        .map(|c| u8::from(!c.enter.is_empty()) | (u8::from(!c.exit.is_empty()) << 1))
        .collect();
    let hooks = if hooks.iter().any(|&h| h != 0) {
        quote!(&[#(#hooks),*])
    } else {
        quote!(&[])
    };
    let origins = model.transitions.iter().flat_map(|t| {
        let source = t.origin.map_or(NodeRef::State(t.from), NodeRef::Composite);
        let target = t
            .target_composite
            .map_or(NodeRef::State(t.to.unwrap_or(t.from)), NodeRef::Composite);
        [node(source), node(target), t.exits]
    });
    quote! {
        #krate::__private::hierarchy(
            &[#(#names),*],
            &[#(#docs),*],
            &[#(#parents),*],
            &[#(#initial),*],
            #hooks,
            &[#(#origins),*],
        )
    }
}
