//! The typed machine: `Machine<S, R>`, one method per event, the enum of typed machines,
//! `start`, and the conversions to and from the dynamic machine.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{Ctx, docs, events::has_payload, shape};

/// The typed API inside the generated module: the dynamic machine's alias and the definition,
/// and the child module `__machine` that defines the typed machine.
///
/// `__machine` does not import the user's scope (`use super::*`), so that no item of theirs (a
/// `const data`, say) can turn a parameter of a generated function into a pattern. It defines
/// `Machine` together with all its impls, so that the compiler names a method
/// `Machine::<S, R>::pay` in its messages, and the fields of `Machine` are private to it: a
/// typed machine is built only by `start`, by a transition, or from a dynamic machine.
pub fn types(cx: &Ctx) -> TokenStream {
    let (krate, r, vis) = (cx.krate, &cx.r, &cx.vis);
    let initial = cx.state_ident(cx.initial);
    let dynamic_doc = docs::dynamic(cx);
    let definition_doc = docs::definition(cx);
    let the_enum = quote!(<#initial as #krate::State>::Machine);
    let machine = machine_module(cx);
    quote! {
        #[doc = #dynamic_doc]
        #vis type Dynamic<#r = #krate::Memory> = #krate::Dynamic<#the_enum, #r>;

        #[doc = #definition_doc]
        #vis const DEFINITION: &'static #krate::Definition =
            <#the_enum as #krate::StateMachine>::DEFINITION;

        // The crate, under a name that `__machine` can reach without importing the user's scope.
        #[allow(unused_imports)]
        use #krate as __sw;

        #machine

        #vis use self::__machine::{Machine, Typed, start, start_with};
    }
}

/// The module `__machine`: `Machine`, `Typed`, `start`, and their impls.
fn machine_module(cx: &Ctx) -> TokenStream {
    let sw = quote!(super::__sw);
    let vis = super::inner_vis_at(&cx.model.vis, 2);
    let initial = cx.state_ident(cx.initial);
    let machine_doc = docs::machine(cx);
    let typed_doc = docs::typed(cx);

    let typed_variants = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let doc = format!("The machine in state [`{name}`](super::{name}).");
        quote! {
            #[doc = #doc]
            #name(Machine<super::#name, R>)
        }
    });
    // One arm per state in each of these, so each arm stays as small as possible: a literal
    // or a coercion, no method call.
    let typed_ids = cx.model.states.iter().enumerate().map(|(i, state)| {
        let (name, index) = (&state.ident, i as u32);
        quote!(Typed::#name(_) => #index)
    });
    let typed_debug = cx.model.debug.then(|| {
        let arms = cx.model.states.iter().map(|state| {
            let name = &state.ident;
            let text = name.to_string();
            quote!(Typed::#name(__machine) => (#text, __machine))
        });
        quote! {
            impl<R> ::core::fmt::Debug for Typed<R> {
                fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    let (__name, __machine): (&str, &dyn ::core::fmt::Debug) = match self {
                        #(#arms,)*
                    };
                    __f.debug_tuple(__name).field(__machine).finish()
                }
            }
        }
    });
    let into_dynamic = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let from = shape(quote!(super::#name), &state.fields);
        let to = shape(quote!(__Enum::#name), &state.fields);
        quote! {
            Typed::#name(Machine { __state: #from, __core }) => #sw::__private::dynamic(#to, __core)
        }
    });
    let from_dynamic = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let from = shape(quote!(__Enum::#name), &state.fields);
        let to = shape(quote!(super::#name), &state.fields);
        quote!(#from => Typed::#name(Machine { __state: #to, __core }))
    });

    let start = start(cx);
    let methods = methods(cx);

    quote! {
        mod __machine {
            // The annotated enum, reached through the initial state so that the generated
            // module never names it (which would fail when the enum is declared inside a
            // function body).
            type __Enum = <super::#initial as #sw::State>::Machine;

            #[doc = #machine_doc]
            #vis struct Machine<S, R = #sw::Memory> {
                __state: S,
                __core: #sw::__private::Core<R>,
            }

            #[doc = #typed_doc]
            #vis enum Typed<R = #sw::Memory> {
                #(#typed_variants,)*
            }

            impl<R> Typed<R> {
                /// The current state's entry in the definition.
                pub fn state_info(&self) -> #sw::StateInfo {
                    let __index: ::core::primitive::u32 = match self {
                        #(#typed_ids,)*
                    };
                    #sw::__private::state_info(<__Enum as #sw::StateMachine>::DEFINITION, __index)
                }
            }

            impl<R> ::core::convert::From<Typed<R>> for #sw::Dynamic<__Enum, R> {
                fn from(__typed: Typed<R>) -> Self {
                    match __typed {
                        #(#into_dynamic,)*
                    }
                }
            }

            impl<R> ::core::convert::From<#sw::Dynamic<__Enum, R>> for Typed<R> {
                fn from(__machine: #sw::Dynamic<__Enum, R>) -> Self {
                    let (__state, __core) = #sw::__private::dynamic_parts(__machine);
                    match __state {
                        #(#from_dynamic,)*
                    }
                }
            }

            #typed_debug

            #start

            // The methods call these rather than the runtime's generic helpers: their signature
            // matches the methods' own, which checks faster than normalizing the helpers'.
            #[inline(always)]
            fn __fire<S: #sw::State, R: #sw::Recorder, T>(
                __machine: Machine<S, R>,
                __event: u32,
                __to: #sw::StateId,
                __target: T,
            ) -> #sw::Step<R, Machine<T, R>, Machine<S, R>> {
                #sw::__private::fire(__machine, #sw::__private::event_id(__event), __to, __target)
            }

            #[inline(always)]
            fn __fire_with<S: #sw::State, R: #sw::Recorder, T>(
                __machine: Machine<S, R>,
                __event: u32,
                __to: #sw::StateId,
                __make: impl ::core::ops::FnOnce(S) -> T,
            ) -> #sw::Step<R, Machine<T, R>, Machine<S, R>> {
                #sw::__private::fire_with(__machine, #sw::__private::event_id(__event), __to, __make)
            }

            impl<S: #sw::State, R: #sw::Recorder> Machine<S, R> {
                #methods
            }

            impl<S: #sw::State, R: #sw::Recorder> #sw::__private::Parts for Machine<S, R> {
                type State = S;
                type Recorder = R;
                type With<T> = Machine<T, R>;

                #[inline(always)]
                fn into_parts(self) -> (S, #sw::__private::Core<R>) {
                    (self.__state, self.__core)
                }

                #[inline(always)]
                fn from_parts(__state: S, __core: #sw::__private::Core<R>) -> Self {
                    Machine { __state, __core }
                }

                #[inline(always)]
                fn with<T>(__state: T, __core: #sw::__private::Core<R>) -> Machine<T, R> {
                    Machine { __state, __core }
                }
            }

            impl<S: #sw::State, R> #sw::TypedMachine for Machine<S, R> {
                type State = S;
                type Recorder = R;

                #[inline]
                fn state(&self) -> &S {
                    &self.__state
                }

                #[inline]
                fn state_mut(&mut self) -> &mut S {
                    &mut self.__state
                }

                #[inline]
                fn sequence(&self) -> ::core::primitive::u64 {
                    self.__core.sequence()
                }

                #[inline]
                fn recorder(&self) -> &R {
                    self.__core.recorder()
                }

                #[inline]
                fn recorder_mut(&mut self) -> &mut R {
                    self.__core.recorder_mut()
                }

                fn into_parts(self) -> (S, ::core::primitive::u64, R) {
                    let __sequence = self.__core.sequence();
                    (self.__state, __sequence, self.__core.into_recorder())
                }

                fn into_dynamic(self) -> #sw::Dynamic<<S as #sw::State>::Machine, R> {
                    #sw::__private::dynamic(<S as #sw::State>::into_enum(self.__state), self.__core)
                }
            }

            impl<S, R> ::core::ops::Deref for Machine<S, R> {
                type Target = S;

                #[inline]
                fn deref(&self) -> &S {
                    &self.__state
                }
            }

            impl<S, R> ::core::ops::DerefMut for Machine<S, R> {
                #[inline]
                fn deref_mut(&mut self) -> &mut S {
                    &mut self.__state
                }
            }

            impl<S: ::core::fmt::Debug, R> ::core::fmt::Debug for Machine<S, R> {
                fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    __f.debug_struct("Machine")
                        .field("state", &self.__state)
                        .field("sequence", &self.__core.sequence())
                        .finish_non_exhaustive()
                }
            }
        }
    }
}

/// `start` and `start_with`: a machine in the initial state. Emitted inside `__machine`.
fn start(cx: &Ctx) -> TokenStream {
    let sw = quote!(super::__sw);
    let vis = super::inner_vis_at(&cx.model.vis, 2);
    let state = &cx.model.states[cx.initial];
    let initial = &state.ident;
    let start_doc = docs::start(cx);
    let start_with_doc = docs::start_with(cx);
    if state.has_data() {
        quote! {
            #[doc = #start_doc]
            #vis fn start(state: super::#initial) -> Machine<super::#initial> {
                start_with(state, #sw::Memory::new())
            }

            #[doc = #start_with_doc]
            #vis fn start_with<R: #sw::Recorder>(state: super::#initial, recorder: R) -> Machine<super::#initial, R> {
                Machine {
                    __state: state,
                    __core: #sw::__private::Core::new(recorder),
                }
            }
        }
    } else {
        let value = shape(quote!(super::#initial), &state.fields);
        quote! {
            #[doc = #start_doc]
            #vis fn start() -> Machine<super::#initial> {
                start_with(#sw::Memory::new())
            }

            #[doc = #start_with_doc]
            #vis fn start_with<R: #sw::Recorder>(recorder: R) -> Machine<super::#initial, R> {
                Machine {
                    __state: #value,
                    __core: #sw::__private::Core::new(recorder),
                }
            }
        }
    }
}

/// One method per event (and a `<event>_with` method for events whose target carries data).
/// Emitted inside `__machine`.
///
/// The shape matters for compile time and for the error of an illegal call: the bound that
/// makes the method unavailable (`S: CanPay`) sits on the method, not on the impl, so that
/// rustc reports the trait's `on_unimplemented` message instead of "the method exists but its
/// trait bounds were not satisfied"; the body is one call of a shared generic helper.
fn methods(cx: &Ctx) -> TokenStream {
    let sw = quote!(super::__sw);
    let mut out = TokenStream::new();
    for (e, event) in cx.model.events.iter().enumerate() {
        let method = &event.ident;
        let trait_ident = event.trait_ident();
        let index = e as u32;
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
                    pub fn #method(self, data: super::#to) -> #sw::Step<R, Machine<super::#to, R>, Self>
                    where
                        #bound
                    {
                        __fire(self, #index, #to_id, data)
                    }

                    #[doc = #with_doc]
                    #[inline]
                    pub fn #with(self, make: impl ::core::ops::FnOnce(S) -> super::#to) -> #sw::Step<R, Machine<super::#to, R>, Self>
                    where
                        #bound
                    {
                        __fire_with(self, #index, #to_id, make)
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
                    pub fn #method(self) -> #sw::Step<R, Machine<super::#to, R>, Self>
                    where
                        #bound
                    {
                        __fire(self, #index, #to_id, #value)
                    }
                });
            }
            None => {
                let bound = quote_spanned!(span=> S: super::#trait_ident<Next = T>,);
                out.extend(quote! {
                    #[doc = #doc]
                    #[inline]
                    pub fn #method<T: #sw::State + #sw::__private::Unit>(self) -> #sw::Step<R, Machine<T, R>, Self>
                    where
                        #bound
                    {
                        __fire(self, #index, T::ID, T::VALUE)
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
    quote! {
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
