//! `StateMachine` for the annotated enum: the glue the dynamic API calls.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Ctx, events::has_payload, shape};
use crate::model::Kind;

pub fn impls(cx: &Ctx) -> TokenStream {
    let (krate, module, ident) = (cx.krate, cx.module, cx.ident);
    // `Typed<R>` in the docs, unless `R` names the enum, the module or the crate's path.
    let first = krate.segments.first().map(|s| s.ident.to_string());
    let r = if ident == "R" || module == "R" || first.as_deref() == Some("R") {
        quote!(__R)
    } else {
        quote!(R)
    };

    let state_ids = cx.model.states.iter().enumerate().map(|(i, state)| {
        let (name, index) = (&state.ident, i as u32);
        quote!(#ident::#name { .. } => #krate::__private::state_id(#index))
    });

    let event_ids = cx.model.events.iter().enumerate().map(|(e, event)| {
        let (variant, index) = (event.variant(), e as u32);
        quote!(#module::Event::#variant { .. } => #krate::__private::event_id(#index))
    });

    let mut uses_target = false;
    let into_enum = quote!(<_ as #krate::State>::into_enum);
    let mut branches = Vec::new();
    let enter = cx.model.events.iter().enumerate().map(|(e, event)| {
        let variant = event.variant();
        match cx.model.kind(e) {
            Kind::Choice(targets) => {
                let choice = cx.model.choice_name(targets);
                let arms = targets.iter().map(|&t| {
                    let name = cx.state_ident(t);
                    let index = t as u32;
                    branches.push(quote! {
                        #module::Event::#variant(#module::#choice::#name(_)) =>
                            #krate::__private::Branch::To(#krate::__private::state_id(#index))
                    });
                    quote!(#module::#choice::#name(__t) => #into_enum(__t))
                });
                let arms: Vec<TokenStream> = arms.collect();
                return quote!(#module::Event::#variant(__choice) => match __choice { #(#arms,)* });
            }
            Kind::Guard(_) => {
                branches.push(quote! {
                    #module::Event::#variant(::core::option::Option::None) =>
                        #krate::__private::Branch::Declined
                });
                // `apply` never moves on a declined guard; nothing to do if it did.
                return quote! {
                    #module::Event::#variant(::core::option::Option::Some(__t)) => #into_enum(__t),
                    #module::Event::#variant(::core::option::Option::None) => return
                };
            }
            Kind::Plain => {}
        }
        match cx.model.single_target(e) {
            Some(target) => {
                let state = &cx.model.states[target];
                let name = &state.ident;
                if has_payload(cx, e) {
                    let from = shape(quote!(#module::Event::#variant), &state.fields);
                    let to = shape(quote!(#ident::#name), &state.fields);
                    quote!(#from => #to)
                } else {
                    let to = shape(quote!(#ident::#name), &state.fields);
                    quote!(#module::Event::#variant => #to)
                }
            }
            None => {
                uses_target = true;
                let targets = cx.model.targets(e);
                let mut arms: Vec<TokenStream> = targets
                    .iter()
                    .map(|&t| {
                        let name = cx.state_ident(t);
                        let index = t;
                        let value = shape(quote!(#ident::#name), &cx.model.states[t].fields);
                        quote!(#index => #value)
                    })
                    .collect();
                // `to` comes from the definition, so it is one of the targets; the last arm
                // doubles as the catch-all so that no panic path is generated.
                if let Some(last) = targets.last() {
                    let name = cx.state_ident(*last);
                    let value = shape(quote!(#ident::#name), &cx.model.states[*last].fields);
                    arms.pop();
                    arms.push(quote!(_ => #value));
                }
                quote!(#module::Event::#variant => match __to.index() { #(#arms,)* })
            }
        }
    });
    let enter: Vec<TokenStream> = enter.collect();
    let to_param = if uses_target { quote!(__to) } else { quote!(_) };
    // Without events (a repaired definition can have none) the match is empty: no assignment.
    let move_to = if enter.is_empty() {
        quote!(match __event {})
    } else {
        quote!(*self = match __event { #(#enter,)* };)
    };
    let branch = (!branches.is_empty()).then(|| {
        quote! {
            #[inline]
            fn __branch(__event: &#module::Event) -> #krate::__private::Branch {
                #[allow(unreachable_patterns)]
                match __event {
                    #(#branches,)*
                    _ => #krate::__private::Branch::Declared,
                }
            }
        }
    });
    // The events of timeouts, built from their ids (a timeout's event carries no data).
    let mut timeout_events: Vec<usize> = cx
        .model
        .transitions
        .iter()
        .filter(|t| t.timeout.is_some())
        .map(|t| t.event)
        .collect();
    timeout_events.sort_unstable();
    timeout_events.dedup();
    let timeout_event = (!timeout_events.is_empty()
        && timeout_events.iter().all(|&e| !has_payload(cx, e)))
    .then(|| {
        let arms = timeout_events.iter().map(|&e| {
            let variant = cx.model.events[e].variant();
            let index = e;
            quote!(#index => ::core::option::Option::Some(#module::Event::#variant))
        });
        quote! {
            #[inline]
            fn __timeout_event(__event: #krate::EventId) -> ::core::option::Option<#module::Event> {
                match __event.index() {
                    #(#arms,)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    });
    let context = &cx.context;
    // A machine without a context starts and resumes without one (`Dynamic::start`); one with
    // a context says so, for the messages that name `resume_with_context`.
    let (has_context, context_free) = if cx.model.context.is_some() {
        (
            quote!(
                const __HAS_CONTEXT: bool = true;
            ),
            TokenStream::new(),
        )
    } else {
        (
            TokenStream::new(),
            quote! {
                #[automatically_derived]
                impl #krate::ContextFree for #ident {}
            },
        )
    };
    let hooks = super::hooks::machine_items(cx);
    // Each state's event names (a choice once), flattened, and where each state's start.
    let mut names: Vec<&str> = Vec::new();
    let mut starts: Vec<u32> = Vec::with_capacity(cx.model.states.len() + 1);
    let ranges = cx.model.transition_ranges();
    for &(first, count) in &ranges {
        starts.push(names.len() as u32);
        let own = names.len();
        for t in &cx.model.transitions[first..first + count] {
            let name = cx.model.events[t.event].name.as_str();
            if !names[own..].contains(&name) {
                names.push(name);
            }
        }
    }
    starts.push(names.len() as u32);

    quote! {
        #[automatically_derived]
        impl #krate::StateMachine for #ident {
            type Event = #module::Event;
            type Typed<#r> = #module::Typed<#r>;
            const DEFINITION: &'static #krate::Definition = &__DEFINITION;
            type Context = #context;
            #has_context
            #hooks
            const __EVENTS: &'static [&'static str] = &[#(#names),*];
            const __EVENT_STARTS: &'static [u32] = &[#(#starts),*];

            #[inline]
            fn state_id(&self) -> #krate::StateId {
                match self {
                    #(#state_ids,)*
                }
            }

            #[inline]
            fn event_id(__event: &#module::Event) -> #krate::EventId {
                match *__event {
                    #(#event_ids,)*
                }
            }

            #[inline]
            fn __move_to(&mut self, __event: #module::Event, #to_param: #krate::StateId) {
                #move_to
            }

            #branch

            #timeout_event

            #[inline]
            fn __typed<__R>(__machine: #krate::Dynamic<Self, __R>) -> #module::Typed<__R> {
                <#module::Typed<__R> as ::core::convert::From<#krate::Dynamic<Self, __R>>>::from(__machine)
            }
        }

        #context_free
    }
}
