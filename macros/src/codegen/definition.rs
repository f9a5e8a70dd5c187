//! The `'static` definition, as statics next to the enum.

use proc_macro2::TokenStream;
use quote::quote;

use super::Ctx;

pub fn statics(cx: &Ctx) -> TokenStream {
    let krate = cx.krate;
    let model = cx.model;
    let ranges = model.transition_ranges();
    let states = model
        .states
        .iter()
        .zip(&ranges)
        .map(|(state, (first, count))| {
            let name = state.ident.to_string();
            let doc = &state.docs.text;
            let initial = !state.initial.is_empty();
            let terminal = !state.terminal.is_empty();
            let (first, count) = (*first as u32, *count as u32);
            quote!(#krate::__private::state(#name, #doc, #initial, #terminal, #first, #count))
        });
    let events = model.events.iter().map(|event| {
        let name = &event.name;
        quote!(#krate::__private::event(#name))
    });
    let transitions = model.transitions.iter().map(|t| {
        let from = t.from as u32;
        let event = t.event as u32;
        let to = t.to.unwrap_or(t.from) as u32;
        quote!(#krate::__private::transition(#from, #event, #to))
    });
    let (n_states, n_events, n_transitions) = (
        model.states.len(),
        model.events.len(),
        model.transitions.len(),
    );
    let name = cx.ident.to_string();
    let doc = &model.docs.text;
    let initial = cx.initial as u32;
    quote! {
        static __STATES: [#krate::StateInfo; #n_states] = [#(#states),*];
        static __EVENTS: [#krate::EventInfo; #n_events] = [#(#events),*];
        static __TRANSITIONS: [#krate::Transition; #n_transitions] = [#(#transitions),*];
        static __DEFINITION: #krate::Definition = #krate::__private::definition(
            #name,
            #doc,
            &__STATES,
            &__EVENTS,
            &__TRANSITIONS,
            #initial,
        );
    }
}
