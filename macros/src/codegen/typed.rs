//! The typed machine: `Machine<S, R>`, one method per event, the enum of typed machines,
//! `start`, and the conversions to and from the dynamic machine (all in `__machine`, where
//! parameters can have plain names: rustdoc shows them).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{Ctx, docs, events::has_payload, shape};
use crate::model::Kind;

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
        #[doc(hidden)]
        use #krate as __sw;

        #machine

        #vis use self::__machine::{Machine, Typed, start, start_with};
    }
}

/// The module `__machine`: `Machine`, `Typed`, `start`, and their impls.
/// The mode parameter of an `async` machine's `Machine` and `Typed` (empty otherwise, so that
/// a synchronous machine's expansion does not change): its declaration with the default, its
/// use in generic impls, and the field that holds it.
struct ModeParam {
    decl: TokenStream,
    param: TokenStream,
    field_decl: TokenStream,
    field: TokenStream,
}

fn mode_param(cx: &Ctx) -> ModeParam {
    let sw = quote!(super::__sw);
    if cx.model.is_async {
        ModeParam {
            decl: quote!(, K = #sw::awaited::Blocking),
            param: quote!(, K),
            field_decl: quote! {
                #[doc(hidden)]
                __mode: ::core::marker::PhantomData<K>,
            },
            field: quote!(, __mode: ::core::marker::PhantomData),
        }
    } else {
        ModeParam {
            decl: TokenStream::new(),
            param: TokenStream::new(),
            field_decl: TokenStream::new(),
            field: TokenStream::new(),
        }
    }
}

fn machine_module(cx: &Ctx) -> TokenStream {
    let sw = quote!(super::__sw);
    let ModeParam {
        decl: k_decl,
        param: k,
        field_decl: k_field_decl,
        field: k_field,
    } = mode_param(cx);
    let k_rest = cx.model.is_async.then(|| quote!(, ..));
    let vis = super::inner_vis_at(&cx.model.vis, 2);
    let initial = cx.state_ident(cx.initial);
    let machine_doc = docs::machine(cx);
    let typed_doc = docs::typed(cx);

    let typed_variants = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let text = crate::names::text(name);
        let doc = format!("The machine in state [`{text}`](super::{text}).");
        quote! {
            #[doc = #doc]
            #name(Machine<super::#name, R #k>)
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
            let text = crate::names::text(name);
            quote!(Typed::#name(machine) => (#text, machine))
        });
        quote! {
            impl<R #k> ::core::fmt::Debug for Typed<R #k> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    let (name, machine): (&str, &dyn ::core::fmt::Debug) = match self {
                        #(#arms,)*
                    };
                    f.debug_tuple(name).field(machine).finish()
                }
            }
        }
    });
    let into_dynamic = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let from = shape(quote!(super::#name), &state.fields);
        let to = shape(quote!(__Enum::#name), &state.fields);
        quote! {
            Typed::#name(Machine { __state: #from, __core #k_rest }) => #sw::__private::dynamic(#to, __core)
        }
    });
    let from_dynamic = cx.model.states.iter().map(|state| {
        let name = &state.ident;
        let from = shape(quote!(__Enum::#name), &state.fields);
        let to = shape(quote!(super::#name), &state.fields);
        quote!(#from => Typed::#name(Machine { __state: #to, __core #k_field }))
    });

    // The context's type, written out when it is `()`: a projection costs every use.
    let context_ty = if cx.model.context.is_some() {
        quote!(<__Enum as #sw::StateMachine>::Context)
    } else {
        quote!(())
    };
    let start = start(cx);
    // A machine whose hooks are `async` has no synchronous transitions.
    let sync_methods = (!(cx.model.is_async && cx.model.hooks)).then(|| {
        let methods = methods(cx, false);
        quote! {
            // With hooks, the methods' return types are spanned on the user's tokens (see
            // `methods`), where clippy would judge their complexity as the user's.
            #[allow(clippy::type_complexity)]
            impl<S: #sw::State, R: #sw::Recorder> Machine<S, R> {
                #methods
            }
        }
    });
    let awaited_methods = cx.model.is_async.then(|| {
        let methods = methods(cx, true);
        quote! {
            #[allow(clippy::type_complexity)]
            impl<S: #sw::State, A: #sw::AsyncRecorder> Machine<S, #sw::Awaited<A>, #sw::awaited::Awaiting> {
                #methods
            }
        }
    });
    let choice_conversions = choice_conversions(cx);

    // `__machine` and the internals in it are hidden from the docs (a binary crate documents
    // private items): its public items are re-exported from the generated module, and
    // rustdoc shows them there. Parameters in it have plain names: it does not import the
    // user's scope, so nothing can capture them, and rustdoc shows them.
    quote! {
        #[doc(hidden)]
        mod __machine {
            // The annotated enum, reached through the initial state so that the generated
            // module never names it (which would fail when the enum is declared inside a
            // function body).
            type __Enum = <super::#initial as #sw::State>::Machine;
            type __Context = #context_ty;

            #[doc = #machine_doc]
            #vis struct Machine<S, R = #sw::Memory #k_decl> {
                #[doc(hidden)]
                __state: S,
                #[doc(hidden)]
                __core: #sw::__private::Core<R, __Context>,
                #k_field_decl
            }

            #[doc = #typed_doc]
            #vis enum Typed<R = #sw::Memory #k_decl> {
                #(#typed_variants,)*
            }

            impl<R #k> Typed<R #k> {
                /// The current state's entry in the definition.
                pub fn state_info(&self) -> #sw::StateInfo {
                    let __index: ::core::primitive::u32 = match self {
                        #(#typed_ids,)*
                    };
                    #sw::__private::state_info(<__Enum as #sw::StateMachine>::DEFINITION, __index)
                }
            }

            // `super::Dynamic<R>` (the module's alias) rather than `Dynamic<__Enum, R>`, which
            // rustdoc would spell out as a projection.
            impl<R #k> ::core::convert::From<Typed<R #k>> for super::Dynamic<R> {
                fn from(typed: Typed<R #k>) -> Self {
                    match typed {
                        #(#into_dynamic,)*
                    }
                }
            }

            impl<S: #sw::State<Machine = __Enum>, R #k> ::core::convert::From<Machine<S, R #k>> for Typed<R #k> {
                /// The machine in whichever state it is in (for code that handles the
                /// outcomes of a transition, which are machines in different states, alike).
                #[inline]
                fn from(machine: Machine<S, R #k>) -> Self {
                    <Typed<R #k> as ::core::convert::From<#sw::Dynamic<__Enum, R>>>::from(
                        #sw::TypedMachine::into_dynamic(machine),
                    )
                }
            }

            impl<S: #sw::State<Machine = __Enum>, R #k> ::core::convert::From<Machine<S, R #k>>
                for super::Dynamic<R>
            {
                #[inline]
                fn from(machine: Machine<S, R #k>) -> Self {
                    #sw::TypedMachine::into_dynamic(machine)
                }
            }

            impl<R #k> ::core::convert::From<super::Dynamic<R>> for Typed<R #k> {
                fn from(machine: super::Dynamic<R>) -> Self {
                    let (__state, __core) = #sw::__private::dynamic_parts(machine);
                    match __state {
                        #(#from_dynamic,)*
                    }
                }
            }

            #typed_debug

            #choice_conversions

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

            #sync_methods

            #awaited_methods

            #[doc(hidden)]
            impl<S: #sw::State, R #k> #sw::__private::Parts for Machine<S, R #k> {
                type State = S;
                type Recorder = R;
                type Context = __Context;
                type With<T> = Machine<T, R #k>;

                #[inline(always)]
                fn into_parts(self) -> (S, #sw::__private::Core<R, __Context>) {
                    (self.__state, self.__core)
                }

                #[inline(always)]
                fn from_parts(__state: S, __core: #sw::__private::Core<R, __Context>) -> Self {
                    Machine { __state, __core #k_field }
                }

                #[inline(always)]
                fn with<T>(__state: T, __core: #sw::__private::Core<R, __Context>) -> Machine<T, R #k> {
                    Machine { __state, __core #k_field }
                }
            }

            impl<S: #sw::State<Machine = __Enum>, R #k> #sw::TypedMachine for Machine<S, R #k> {
                type State = S;
                type Recorder = R;

                #[inline]
                fn state(&self) -> &S {
                    &self.__state
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

                // `ContextOf<S>` as the trait writes it, which rustdoc shows as is.
                #[inline]
                fn context(&self) -> &#sw::ContextOf<S> {
                    self.__core.context()
                }

                #[inline]
                fn context_mut(&mut self) -> &mut #sw::ContextOf<S> {
                    self.__core.context_mut()
                }

                fn into_all_parts(self) -> (S, #sw::ContextOf<S>, ::core::primitive::u64, R) {
                    let __sequence = self.__core.sequence();
                    let (__recorder, __context) = self.__core.into_recorder_and_context();
                    (self.__state, __context, __sequence, __recorder)
                }

                fn into_dynamic(self) -> #sw::Dynamic<<S as #sw::State>::Machine, R> {
                    #sw::__private::dynamic(<S as #sw::State>::into_enum(self.__state), self.__core)
                }
            }

            // `Deref` only: state data is read through the machine and changes only through a
            // transition (a self-loop takes new data), which is recorded.
            impl<S, R #k> ::core::ops::Deref for Machine<S, R #k> {
                type Target = S;

                #[inline]
                fn deref(&self) -> &S {
                    &self.__state
                }
            }

            impl<S: ::core::fmt::Debug, R #k> ::core::fmt::Debug for Machine<S, R #k> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct("Machine")
                        .field("state", &self.__state)
                        .field("sequence", &self.__core.sequence())
                        .finish_non_exhaustive()
                }
            }
        }
    }
}

/// `From` a choice of typed machines (what a choice transition returns) to `Typed` and to the
/// dynamic machine. Emitted inside `__machine`.
fn choice_conversions(cx: &Ctx) -> TokenStream {
    let k = mode_param(cx).param;
    super::choices::distinct(cx)
        .iter()
        .map(|targets| {
            let choice = cx.model.choice_name(targets);
            let machines = targets.iter().map(|&t| {
                let to = cx.state_ident(t);
                quote!(Machine<super::#to, R #k>)
            });
            let ty = quote!(super::#choice<#(#machines),*>);
            let arms = targets.iter().map(|&t| {
                let to = cx.state_ident(t);
                quote!(super::#choice::#to(__m) => Typed::#to(__m))
            });
            // What the caller decides: `From` each target's data, spanned on the target where
            // the choice is written ("the following other types implement `From`" points
            // there).
            let (_, spans) = super::choices::written_at(cx, targets);
            let froms = targets.iter().zip(spans).map(|(&t, span)| {
                let state = cx.state_ident(t);
                let text = crate::names::text(state);
                let doc = format!("The choice of [`{text}`](super::{text}).");
                quote_spanned! {span=>
                    impl ::core::convert::From<super::#state> for super::#choice {
                        #[doc = #doc]
                        #[inline]
                        fn from(state: super::#state) -> Self {
                            super::#choice::#state(state)
                        }
                    }
                }
            });
            quote! {
                #(#froms)*

                impl<R #k> ::core::convert::From<#ty> for Typed<R #k> {
                    #[inline]
                    fn from(choice: #ty) -> Self {
                        match choice {
                            #(#arms,)*
                        }
                    }
                }

                impl<R #k> ::core::convert::From<#ty> for super::Dynamic<R> {
                    #[inline]
                    fn from(choice: #ty) -> Self {
                        <Typed<R #k> as ::core::convert::Into<Self>>::into(Typed::from(choice))
                    }
                }
            }
        })
        .collect()
}

/// `start` and `start_with`: a machine in the initial state. Emitted inside `__machine`.
///
/// Their parameters: the context (for a machine with one), the initial state's data (when it
/// has data), and for `start_with` the recorder. The initial state's entry hook runs.
fn start(cx: &Ctx) -> TokenStream {
    let sw = quote!(super::__sw);
    let k_field = mode_param(cx).field;
    let vis = super::inner_vis_at(&cx.model.vis, 2);
    let state = &cx.model.states[cx.initial];
    let initial = &state.ident;
    let start_doc = docs::start(cx);
    let start_with_doc = docs::start_with(cx);
    let (context_param, context_arg, context_value) = if cx.model.context.is_some() {
        (
            quote!(context: __Context,),
            quote!(context,),
            quote!(context),
        )
    } else {
        (TokenStream::new(), TokenStream::new(), quote!(()))
    };
    let (state_param, state_arg, state_value) = if state.has_data() {
        (
            quote!(state: super::#initial,),
            quote!(state,),
            quote!(state),
        )
    } else {
        let value = shape(quote!(super::#initial), &state.fields);
        (TokenStream::new(), TokenStream::new(), value)
    };
    // The composites the initial state is inside are entered first, outermost first.
    let enter_composites = cx
        .model
        .is_hierarchical()
        .then(|| quote!(#sw::__private::enter_initial::<__Enum>(&mut __context);));
    let body = if cx.model.hooks {
        quote! {
            let mut __state = #state_value;
            let mut __context: __Context = #context_value;
            #enter_composites
            #sw::State::__entered(&mut __state, &mut __context);
            Machine {
                __state,
                __core: #sw::__private::Core::with_context(recorder, __context)
                #k_field
            }
        }
    } else {
        quote! {
            Machine {
                __state: #state_value,
                __core: #sw::__private::Core::with_context(recorder, #context_value)
                #k_field
            }
        }
    };
    // An `async` machine starts with either kind of recorder, in the mode it gives.
    let (recorder_bound, output) = if cx.model.is_async {
        (
            quote!(#sw::awaited::AnyRecorder),
            quote!(Machine<super::#initial, R, <R as #sw::awaited::AnyRecorder>::Mode>),
        )
    } else {
        (quote!(#sw::Recorder), quote!(Machine<super::#initial, R>))
    };
    quote! {
        #[doc = #start_doc]
        #vis fn start(#context_param #state_param) -> Machine<super::#initial> {
            start_with(#context_arg #state_arg #sw::Memory::new())
        }

        #[doc = #start_with_doc]
        #vis fn start_with<R: #recorder_bound>(#context_param #state_param recorder: R) -> #output {
            #body
        }
    }
}

/// One method per event (and a `<event>_with` method for events whose target carries data,
/// and for choices and guards). Emitted inside `__machine`.
///
/// The shape matters for compile time and for the error of an illegal call: the bound that
/// makes the method unavailable (`S: CanPay`) sits on the method, not on the impl, so that
/// rustc reports the trait's `on_unimplemented` message instead of "the method exists but its
/// trait bounds were not satisfied"; the body is one call of a shared generic helper.
///
/// A machine without hooks, on a plain transition, goes through `__fire` (the record, then the
/// move); choices, guards, and every transition of a machine with hooks go through the
/// runtime's `attempt`, which also runs the hooks and may decline.
///
/// With `awaited`, the methods of `#[state_machine(async)]` for a machine whose recorder is
/// `Awaited<A>`: the same names, bounds and targets, each returning a future of what the
/// synchronous method returns, built from the runtime's async helpers (no coroutine per
/// method).
fn methods(cx: &Ctx, awaited: bool) -> TokenStream {
    let sw = quote!(super::__sw);
    let hooks = cx.model.hooks;
    // The recorder of the machines the methods return.
    let rec = if awaited {
        quote!(#sw::Awaited<A>, #sw::awaited::Awaiting)
    } else {
        quote!(R)
    };
    let mut out = TokenStream::new();
    for (e, event) in cx.model.events.iter().enumerate() {
        let method = &event.ident;
        let trait_ident = event.trait_ident();
        let index = e as u32;
        let id = quote!(#sw::__private::event_id(#index));
        let doc = docs::method(cx, e);
        // Spanned on the event's name, so that "required by this bound" points there, and so
        // does the note "`pay` takes ownership of the receiver `self`" of a use after a move.
        let span = event.ident.span();
        let bound = quote_spanned!(span=> S: super::#trait_ident,);
        let this = quote_spanned!(span=> self);
        // What `attempt` needs besides (the state's machine is this one, so that its context
        // is this machine's) is a supertrait of the event's trait (`events::attempted`).
        let ret = |out: TokenStream| {
            let out = match (hooks, awaited) {
                (true, false) => quote!(#sw::Hooked<R, #sw::HookErrorOf<S>, #out, Self>),
                (true, true) => {
                    quote!(#sw::awaited::AsyncHooked<A, #sw::HookErrorOf<S>, #out, Self>)
                }
                (false, false) => return quote!(#sw::Step<R, #out, Self>),
                (false, true) => {
                    return quote!(impl ::core::future::Future<Output = #sw::AsyncStep<A, #out, Self>>);
                }
            };
            let out = if awaited {
                quote!(impl ::core::future::Future<Output = #out>)
            } else {
                out
            };
            // Spanned where the user asked for hooks (the context type, ...): a context
            // without a `Hooks` impl, or a hook error that is no `VetoError`, is then
            // reported there once, with the error at the user's own impl.
            super::respan(out, super::hooks::anchor(cx))
        };
        let ok = quote!(::core::result::Result::Ok::<_, ::core::convert::Infallible>);
        // `helper(attempt)`: the attempt turned into the method's result. With hooks, the call
        // is spanned like the method's return type (see `ret`), for the same reason.
        let call = |helper: &str, attempt: TokenStream| {
            let helper = syn::Ident::new(helper, proc_macro2::Span::call_site());
            let call = if awaited {
                quote!(#sw::__private::then(#sw::__private::attempt_async(#attempt), #sw::__private::#helper))
            } else {
                quote!(#sw::__private::#helper(#sw::__private::attempt(#attempt)))
            };
            if hooks {
                super::respan(call, super::hooks::anchor(cx))
            } else {
                call
            }
        };
        let finish = if hooks { "hooked" } else { "step" };
        let enter = quote!(#sw::__private::enter::<Self, _>);
        match cx.model.kind(e) {
            Kind::Choice(targets) => {
                let choice = cx.model.choice_name(targets);
                let machines = targets.iter().map(|&t| {
                    let to = cx.state_ident(t);
                    quote!(Machine<super::#to, #rec>)
                });
                let output = ret(quote!(super::#choice<#(#machines),*>));
                let ids = targets.iter().map(|&t| {
                    let to = cx.state_ident(t);
                    quote!(super::#choice::#to(_) => <super::#to as #sw::State>::ID)
                });
                let builds = targets.iter().map(|&t| {
                    let to = cx.state_ident(t);
                    quote!(super::#choice::#to(__t) => super::#choice::#to(#enter(__t, __core, #id)))
                });
                let with = event.with_ident();
                let with_doc = docs::choice_with_method(cx, e);
                // On the event, so that a value of another state is "required by this bound"
                // there.
                let into_choice = quote_spanned!(span=> impl ::core::convert::Into<super::#choice>);
                let body = call(
                    finish,
                    quote! {
                        self,
                        #id,
                        move |__s| {
                            let __choice = decide(__s);
                            let __to = match &__choice { #(#ids,)* };
                            #ok((__to, __choice))
                        },
                        |_, __choice, __core| match __choice { #(#builds,)* },
                    },
                );
                out.extend(quote! {
                    #[doc = #doc]
                    #[inline]
                    pub fn #method(#this, choice: #into_choice) -> #output
                    where
                        #bound
                    {
                        let __choice = choice.into();
                        self.#with(move |_| __choice)
                    }

                    #[doc = #with_doc]
                    #[inline]
                    pub fn #with(#this, decide: impl ::core::ops::FnOnce(&S) -> super::#choice) -> #output
                    where
                        #bound
                    {
                        #body
                    }
                });
            }
            Kind::Guard(t) => {
                let to = cx.state_ident(*t);
                let output = ret(quote!(::core::result::Result<Machine<super::#to, #rec>, Self>));
                let finish = if hooks {
                    "hooked_guarded"
                } else {
                    "step_guarded"
                };
                let body = call(
                    finish,
                    quote! {
                        self,
                        #id,
                        move |__s| match decide(__s) {
                            ::core::option::Option::Some(__t) => {
                                ::core::result::Result::Ok((<super::#to as #sw::State>::ID, __t))
                            }
                            ::core::option::Option::None => ::core::result::Result::Err(()),
                        },
                        |_, __t, __core| #enter(__t, __core, #id),
                    },
                );
                let with = event.with_ident();
                let with_doc = docs::guard_with_method(cx, e);
                out.extend(quote! {
                    #[doc = #doc]
                    #[inline]
                    pub fn #method(#this, target: ::core::option::Option<super::#to>) -> #output
                    where
                        #bound
                    {
                        self.#with(move |_| target)
                    }

                    #[doc = #with_doc]
                    #[inline]
                    pub fn #with(
                        #this,
                        decide: impl ::core::ops::FnOnce(&S) -> ::core::option::Option<super::#to>,
                    ) -> #output
                    where
                        #bound
                    {
                        #body
                    }
                });
            }
            Kind::Plain => match cx.model.single_target(e) {
                Some(target) if has_payload(cx, e) => {
                    let to = cx.state_ident(target);
                    // On the target as written, so that "method defined here" underlines it
                    // when the caller passes another state's data.
                    let target_span = cx
                        .model
                        .transitions
                        .iter()
                        .find(|t| t.event == e)
                        .map_or(span, |t| t.target.span());
                    let data_param = super::respan(quote!(data: super::#to), target_span);
                    let to_id = quote!(<super::#to as #sw::State>::ID);
                    let with = event.with_ident();
                    let with_doc = docs::with_method(cx, e);
                    let output = ret(quote!(Machine<super::#to, #rec>));
                    let (body, direct) = if hooks {
                        let body = call(
                            "hooked",
                            quote! {
                                self,
                                #id,
                                |_| #ok((#to_id, ())),
                                move |__s, (), __core| #enter(make(__s), __core, #id),
                            },
                        );
                        (body, quote!(self.#with(move |_| data)))
                    } else if awaited {
                        (
                            quote!(#sw::__private::fire_async(self, #id, #to_id, make)),
                            quote!(#sw::__private::fire_async(self, #id, #to_id, move |_| data)),
                        )
                    } else {
                        (
                            quote!(__fire_with(self, #index, #to_id, make)),
                            quote!(__fire(self, #index, #to_id, data)),
                        )
                    };
                    out.extend(quote! {
                        #[doc = #doc]
                        #[inline]
                        pub fn #method(#this, #data_param) -> #output
                        where
                            #bound
                        {
                            #direct
                        }

                        #[doc = #with_doc]
                        #[inline]
                        pub fn #with(#this, make: impl ::core::ops::FnOnce(S) -> super::#to) -> #output
                        where
                            #bound
                        {
                            #body
                        }
                    });
                }
                Some(target) => {
                    let to = cx.state_ident(target);
                    let to_id = quote!(<super::#to as #sw::State>::ID);
                    let value = shape(quote!(super::#to), &cx.model.states[target].fields);
                    let output = ret(quote!(Machine<super::#to, #rec>));
                    let body = if hooks {
                        call(
                            "hooked",
                            quote! {
                                self,
                                #id,
                                |_| #ok((#to_id, ())),
                                |_, (), __core| #enter(#value, __core, #id),
                            },
                        )
                    } else if awaited {
                        quote!(#sw::__private::fire_async(self, #id, #to_id, move |_| #value))
                    } else {
                        quote!(__fire(self, #index, #to_id, #value))
                    };
                    out.extend(quote! {
                        #[doc = #doc]
                        #[inline]
                        pub fn #method(#this) -> #output
                        where
                            #bound
                        {
                            #body
                        }
                    });
                }
                None => {
                    let bound = quote_spanned!(span=> S: super::#trait_ident<Next = T>,);
                    let output = ret(quote!(Machine<T, #rec>));
                    let body = if hooks {
                        call(
                            "hooked",
                            quote! {
                                self,
                                #id,
                                |_| #ok((T::ID, ())),
                                |_, (), __core| #enter(T::VALUE, __core, #id),
                            },
                        )
                    } else if awaited {
                        quote!(#sw::__private::fire_async(self, #id, T::ID, |_| T::VALUE))
                    } else {
                        quote!(__fire(self, #index, T::ID, T::VALUE))
                    };
                    out.extend(quote! {
                        #[doc = #doc]
                        #[inline]
                        pub fn #method<T: #sw::State<Machine = __Enum> + #sw::__private::Unit>(#this) -> #output
                        where
                            #bound
                        {
                            #body
                        }
                    });
                }
            },
        }
    }
    out
}
