//! `StateMachine` for the annotated enum: the glue the dynamic API calls.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Ctx, events::has_payload, shape};

pub fn impls(cx: &Ctx) -> TokenStream {
    let (krate, module, ident) = (cx.krate, cx.module, cx.ident);

    let state_ids = cx.model.states.iter().enumerate().map(|(i, state)| {
        let (name, index) = (&state.ident, i as u32);
        quote!(#ident::#name { .. } => #krate::__private::state_id(#index))
    });

    let event_ids = cx.model.events.iter().enumerate().map(|(e, event)| {
        let (variant, index) = (event.variant(), e as u32);
        quote!(#module::Event::#variant { .. } => #krate::__private::event_id(#index))
    });

    let mut uses_target = false;
    let enter = cx.model.events.iter().enumerate().map(|(e, event)| {
        let variant = event.variant();
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

    quote! {
        #[automatically_derived]
        impl #krate::StateMachine for #ident {
            type Event = #module::Event;
            type Typed<__R> = #module::Typed<__R>;
            const DEFINITION: &'static #krate::Definition = &__DEFINITION;

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
            fn __enter(__event: #module::Event, #to_param: #krate::StateId) -> Self {
                match __event {
                    #(#enter,)*
                }
            }

            #[inline]
            fn __typed<__R>(__machine: #krate::Dynamic<Self, __R>) -> #module::Typed<__R> {
                <#module::Typed<__R> as ::core::convert::From<#krate::Dynamic<Self, __R>>>::from(__machine)
            }
        }
    }
}
