//! The typed machine: `Machine<S, R>`, one method per event, the enum of typed machines,
//! `start`, and the conversions to and from the dynamic machine.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{Ctx, docs, events::has_payload, shape};

/// The typed API inside the generated module.
pub fn types(cx: &Ctx) -> TokenStream {
    let (krate, s, r, vis) = (cx.krate, &cx.s, &cx.r, &cx.vis);
    let initial = cx.state_ident(cx.initial);
    let machine_doc = docs::machine(cx);
    let typed_doc = docs::typed(cx);
    let dynamic_doc = docs::dynamic(cx);
    let definition_doc = docs::definition(cx);
    let the_enum = quote!(<#initial as #krate::State>::Machine);

    let typed_variants = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let doc = format!("The machine in state [`{name}`].");
        quote! {
            #[doc = #doc]
            #name(Machine<#name, #r>)
        }
    });
    let typed_names = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        quote!(Typed::#name(__machine) => #krate::TypedMachine::state_info(__machine))
    });
    let typed_debug = cx.model.debug.then(|| {
        let arms = cx.model.states.iter().map(|state| {
            let name = &state.ident;
            let text = name.to_string();
            quote!(Typed::#name(__machine) => __f.debug_tuple(#text).field(__machine).finish())
        });
        quote! {
            impl<#r> ::core::fmt::Debug for Typed<#r> {
                fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    match self {
                        #(#arms,)*
                    }
                }
            }
        }
    });

    let from_dynamic = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let from = shape(quote!(__Enum::#name), &state.fields);
        let to = shape(quote!(#name), &state.fields);
        quote!(#from => Typed::#name(Machine { __state: #to, __core }))
    });

    let start = start(cx);
    let methods = methods(cx);

    quote! {
        #[doc = #machine_doc]
        #vis struct Machine<#s, #r = #krate::Memory> {
            // Private to this module: a typed machine is built only by `start`, by a transition
            // method, or from a dynamic machine (which is itself always in a reachable state).
            __state: #s,
            __core: #krate::__private::Core<#r>,
        }

        // The annotated enum, reached through the initial state so that this module never names
        // it (which would fail when the enum is declared inside a function body).
        type __Enum = #the_enum;

        #[doc = #typed_doc]
        #vis enum Typed<#r = #krate::Memory> {
            #(#typed_variants,)*
        }

        impl<#r> Typed<#r> {
            /// The current state's entry in the definition.
            pub fn state_info(&self) -> &'static #krate::StateInfo {
                match self {
                    #(#typed_names,)*
                }
            }
        }

        #typed_debug

        impl<#r> ::core::convert::From<#krate::Dynamic<__Enum, #r>> for Typed<#r> {
            fn from(__machine: #krate::Dynamic<__Enum, #r>) -> Self {
                let (__state, __core) = #krate::__private::dynamic_parts(__machine);
                match __state {
                    #(#from_dynamic,)*
                }
            }
        }

        #[doc = #dynamic_doc]
        #vis type Dynamic<#r = #krate::Memory> = #krate::Dynamic<#the_enum, #r>;

        #[doc = #definition_doc]
        #vis const DEFINITION: &'static #krate::Definition =
            <#the_enum as #krate::StateMachine>::DEFINITION;

        // The crate, under a name that `__api` can reach without importing the user's scope.
        #[allow(unused_imports)]
        use #krate as __sw;

        /// The functions and methods whose parameters users see. This module does not import
        /// the user's scope (`use super::*`), so that no item of theirs (a `const data`, say)
        /// can turn a parameter into a pattern.
        mod __api {
            #start

            impl<S: super::__sw::State, R: super::__sw::Recorder> super::Machine<S, R> {
                #methods
            }
        }

        #vis use self::__api::{start, start_with};

        impl<#s: #krate::State, #r> #krate::TypedMachine for Machine<#s, #r> {
            type State = #s;
            type Recorder = #r;

            #[inline]
            fn state(&self) -> &#s {
                &self.__state
            }

            #[inline]
            fn state_mut(&mut self) -> &mut #s {
                &mut self.__state
            }

            #[inline]
            fn sequence(&self) -> ::core::primitive::u64 {
                self.__core.sequence()
            }

            #[inline]
            fn recorder(&self) -> &#r {
                self.__core.recorder()
            }

            #[inline]
            fn recorder_mut(&mut self) -> &mut #r {
                self.__core.recorder_mut()
            }

            fn into_parts(self) -> (#s, ::core::primitive::u64, #r) {
                let __sequence = self.__core.sequence();
                (self.__state, __sequence, self.__core.into_recorder())
            }

            fn into_dynamic(self) -> #krate::Dynamic<<#s as #krate::State>::Machine, #r> {
                #krate::__private::dynamic(
                    <#s as #krate::State>::into_enum(self.__state),
                    self.__core,
                )
            }
        }

        impl<#s, #r> ::core::ops::Deref for Machine<#s, #r> {
            type Target = #s;

            #[inline]
            fn deref(&self) -> &#s {
                &self.__state
            }
        }

        impl<#s, #r> ::core::ops::DerefMut for Machine<#s, #r> {
            #[inline]
            fn deref_mut(&mut self) -> &mut #s {
                &mut self.__state
            }
        }

        impl<#s: ::core::fmt::Debug, #r> ::core::fmt::Debug for Machine<#s, #r> {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                __f.debug_struct("Machine")
                    .field("state", &self.__state)
                    .field("sequence", &self.__core.sequence())
                    .finish_non_exhaustive()
            }
        }
    }
}

/// `start` and `start_with`: a machine in the initial state. Emitted inside `__api`.
fn start(cx: &Ctx) -> TokenStream {
    let sw = quote!(super::__sw);
    let state = &cx.model.states[cx.initial];
    let initial = &state.ident;
    let start_doc = docs::start(cx);
    let start_with_doc = docs::start_with(cx);
    if state.has_data() {
        quote! {
            #[doc = #start_doc]
            pub fn start(state: super::#initial) -> super::Machine<super::#initial> {
                start_with(state, #sw::Memory::new())
            }

            #[doc = #start_with_doc]
            pub fn start_with<R: #sw::Recorder>(
                state: super::#initial,
                recorder: R,
            ) -> super::Machine<super::#initial, R> {
                super::Machine {
                    __state: state,
                    __core: #sw::__private::Core::new(recorder),
                }
            }
        }
    } else {
        let value = shape(quote!(super::#initial), &state.fields);
        quote! {
            #[doc = #start_doc]
            pub fn start() -> super::Machine<super::#initial> {
                start_with(#sw::Memory::new())
            }

            #[doc = #start_with_doc]
            pub fn start_with<R: #sw::Recorder>(recorder: R) -> super::Machine<super::#initial, R> {
                super::Machine {
                    __state: #value,
                    __core: #sw::__private::Core::new(recorder),
                }
            }
        }
    }
}

/// One method per event (and a `<event>_with` method for events whose target carries data).
/// Emitted inside `__api`.
///
/// The shape matters for compile time and for the error of an illegal call: the bound that
/// makes the method unavailable (`S: CanPay`) sits on the method, not on the impl, so that
/// rustc reports the trait's `on_unimplemented` message instead of "the method exists but its
/// trait bounds were not satisfied"; the body is one call of a shared generic helper.
fn methods(cx: &Ctx) -> TokenStream {
    let sw = quote!(super::__sw);
    let wrap = quote! {
        |__s, __c| super::Machine { __state: __s, __core: __c },
        |__s, __c| super::Machine { __state: __s, __core: __c }
    };
    let mut out = TokenStream::new();
    for (e, event) in cx.model.events.iter().enumerate() {
        let method = &event.ident;
        let trait_ident = event.trait_ident();
        let index = e as u32;
        let id = quote!(#sw::__private::event_id(#index));
        let doc = docs::method(cx, e);
        // Spanned on the event's name, so that "required by this bound" points there.
        let span = event.ident.span();
        match cx.model.single_target(e) {
            Some(target) if has_payload(cx, e) => {
                let to = cx.state_ident(target);
                let to_id = quote!(<super::#to as #sw::State>::ID);
                let with = event.with_ident();
                let with_doc = docs::with_method(cx, e);
                let bound = quote_spanned!(span=> S: super::#trait_ident,);
                out.extend(quote! {
                    #[doc = #doc]
                    #[inline]
                    pub fn #method(self, data: super::#to) -> #sw::Step<R, super::Machine<super::#to, R>, Self>
                    where
                        #bound
                    {
                        #sw::__private::fire(self.__state, self.__core, #id, #to_id, move |_| data, #wrap)
                    }

                    #[doc = #with_doc]
                    #[inline]
                    pub fn #with(self, make: impl ::core::ops::FnOnce(S) -> super::#to) -> #sw::Step<R, super::Machine<super::#to, R>, Self>
                    where
                        #bound
                    {
                        #sw::__private::fire(self.__state, self.__core, #id, #to_id, make, #wrap)
                    }
                });
            }
            Some(target) => {
                let to = cx.state_ident(target);
                let to_id = quote!(<super::#to as #sw::State>::ID);
                let value = shape(quote!(super::#to), &cx.model.states[target].fields);
                let bound = quote_spanned!(span=> S: super::#trait_ident,);
                out.extend(quote! {
                    #[doc = #doc]
                    #[inline]
                    pub fn #method(self) -> #sw::Step<R, super::Machine<super::#to, R>, Self>
                    where
                        #bound
                    {
                        #sw::__private::fire(self.__state, self.__core, #id, #to_id, |_| #value, #wrap)
                    }
                });
            }
            None => {
                let bound = quote_spanned!(span=> S: super::#trait_ident<Next = T>,);
                out.extend(quote! {
                    #[doc = #doc]
                    #[inline]
                    pub fn #method<T>(self) -> #sw::Step<R, super::Machine<T, R>, Self>
                    where
                        #bound
                    {
                        #sw::__private::fire(
                            self.__state,
                            self.__core,
                            #id,
                            <S as super::#trait_ident>::__TO,
                            |_| <S as super::#trait_ident>::__NEXT,
                            #wrap
                        )
                    }
                });
            }
        }
    }
    out
}

/// `From` between the typed machines and the dynamic machine, next to the enum.
pub fn conversions(cx: &Ctx) -> TokenStream {
    let (krate, module, ident) = (cx.krate, cx.module, cx.ident);
    let arms = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        quote!(#module::Typed::#name(__machine) => #krate::TypedMachine::into_dynamic(__machine))
    });
    quote! {
        #[automatically_derived]
        impl<__R> ::core::convert::From<#module::Typed<__R>> for #krate::Dynamic<#ident, __R> {
            fn from(__typed: #module::Typed<__R>) -> Self {
                match __typed {
                    #(#arms,)*
                }
            }
        }

        #[automatically_derived]
        impl<__S: #krate::State<Machine = #ident>, __R> ::core::convert::From<#module::Machine<__S, __R>>
            for #krate::Dynamic<#ident, __R>
        {
            #[inline]
            fn from(__machine: #module::Machine<__S, __R>) -> Self {
                #krate::TypedMachine::into_dynamic(__machine)
            }
        }
    }
}
