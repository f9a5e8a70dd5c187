//! Hooks: the `Hooks` trait in the generated module (implemented by the user for the context
//! type), and the glue that calls it from both APIs.
//!
//! Generated only for a machine with hooks (a state marked `#[enter]`/`#[exit]`, or the
//! `hooks` option); for any other machine the runtime's default, empty hook methods run, which
//! inline to nothing.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Fields, Ident};

use super::{Ctx, shape};
use crate::names;

/// A marked state's hook method: `enter_paid` / `exit_paid`.
pub fn method(cx: &Ctx, state: usize, prefix: &str) -> Ident {
    let ident = cx.state_ident(state);
    let snake = names::to_snake(&names::text(ident));
    format_ident!("{}_{}", prefix, snake, span = ident.span())
}

/// An event's transition action: `on_pay`.
pub fn action(cx: &Ctx, event: usize) -> Ident {
    let e = &cx.model.events[event];
    format_ident!("on_{}", e.name, span = e.ident.span())
}

/// The hook's parameters for a state's fields: `amount_cents: &u64` (`&mut` for `enter`).
fn params(fields: &Fields, mutable: bool) -> Vec<TokenStream> {
    fields
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let name = f
                .ident
                .clone()
                .unwrap_or_else(|| format_ident!("field{}", n));
            let ty = &f.ty;
            if mutable {
                quote!(#name: &mut #ty)
            } else {
                quote!(#name: &#ty)
            }
        })
        .collect()
}

/// A hook's declaration ends in `;` (the user implements it), or, in a repaired model, in a
/// body that does nothing (see `Model::repaired`).
fn repaired_body(cx: &Ctx, fields: &Fields, value: TokenStream) -> TokenStream {
    if !cx.model.repaired {
        return quote!(;);
    }
    let names = fields.iter().enumerate().map(|(n, f)| {
        f.ident
            .clone()
            .unwrap_or_else(|| format_ident!("field{}", n))
    });
    quote!({ let _ = (#(#names,)*); #value })
}

/// Where the user asked for hooks: the context type (which implements `Hooks`), else the first
/// `#[enter]`/`#[exit]`, else the `hooks` option. Uses of `<Context as Hooks>` are spanned
/// there, so that a missing impl is one error at the user's tokens, not one at the attribute
/// and one at the context type.
pub fn anchor(cx: &Ctx) -> Span {
    if let Some(ty) = &cx.model.context {
        return syn::spanned::Spanned::span(ty);
    }
    let marker = cx
        .model
        .states
        .iter()
        .find_map(|s| s.enter.first().or(s.exit.first()).copied());
    marker
        .or(cx.model.hooks_option)
        .unwrap_or_else(Span::call_site)
}

/// `<Context as module::Hooks>`, spanned on the [`anchor`].
fn hooks_of_context(cx: &Ctx) -> TokenStream {
    let (module, context) = (cx.module, &cx.context);
    super::respan(quote!(<#context as #module::Hooks>), anchor(cx))
}

/// The `Hooks` trait, inside the generated module.
pub fn types(cx: &Ctx) -> TokenStream {
    if !cx.model.hooks {
        return TokenStream::new();
    }
    let (krate, vis, ident) = (cx.krate, &cx.vis, cx.ident);
    let mut methods = Vec::new();
    for (i, state) in cx.model.states.iter().enumerate() {
        let name = names::text(&state.ident);
        if !state.exit.is_empty() {
            let m = method(cx, i, "exit");
            let p = params(&state.fields, false);
            let doc = format!(
                "Runs when the machine leaves [`{name}`], before the transition action and \
                 the record; an `Err` vetoes the transition (the machine stays in `{name}`)."
            );
            let ok = if cx.model.is_async {
                quote!(async { ::core::result::Result::Ok(()) })
            } else {
                quote!(::core::result::Result::Ok(()))
            };
            let body = repaired_body(cx, &state.fields, ok);
            let output = hook_output(cx);
            // On the `#[exit]` marker: a missing or mismatched `exit_<state>` is reported
            // against the trait's declaration, which is then the user's marker.
            methods.push(super::respan(
                quote! {
                    #[doc = #doc]
                    fn #m(&mut self, #(#p),*) -> #output #body
                },
                state.exit[0],
            ));
        }
        if !state.enter.is_empty() {
            let m = method(cx, i, "enter");
            let p = params(&state.fields, true);
            let doc = format!(
                "Runs when the machine has entered [`{name}`] (after the record), with the \
                 state's data to read or complete. It cannot fail: the transition has happened."
            );
            let body = repaired_body(cx, &state.fields, TokenStream::new());
            methods.push(super::respan(
                quote! {
                    #[doc = #doc]
                    fn #m(&mut self, #(#p),*) #body
                },
                state.enter[0],
            ));
        }
    }
    for composite in &cx.model.composites {
        let name = names::text(&composite.ident);
        let snake = names::to_snake(&name);
        if let Some(&span) = composite.exit.first() {
            let m = format_ident!("exit_{}", snake, span = composite.ident.span());
            let doc = format!(
                "Runs when the machine leaves the composite state `{name}` (after the exit hooks \
                 of the states inside it, innermost first, and before the transition action and \
                 the record); an `Err` vetoes the transition."
            );
            let ok = if cx.model.is_async {
                quote!(async { ::core::result::Result::Ok(()) })
            } else {
                quote!(::core::result::Result::Ok(()))
            };
            let body = repaired_body(cx, &Fields::Unit, ok);
            let output = hook_output(cx);
            methods.push(super::respan(
                quote! {
                    #[doc = #doc]
                    fn #m(&mut self) -> #output #body
                },
                span,
            ));
        }
        if let Some(&span) = composite.enter.first() {
            let m = format_ident!("enter_{}", snake, span = composite.ident.span());
            let doc = format!(
                "Runs when the machine has entered the composite state `{name}` (after the \
                 record, before the entry hooks of the states inside it). It cannot fail."
            );
            let body = repaired_body(cx, &Fields::Unit, TokenStream::new());
            methods.push(super::respan(
                quote! {
                    #[doc = #doc]
                    fn #m(&mut self) #body
                },
                span,
            ));
        }
    }
    for (e, event) in cx.model.events.iter().enumerate() {
        let m = action(cx, e);
        let doc = format!(
            "The transition action of `{}`: runs after the exit hook and before the record; an \
             `Err` vetoes the transition. Does nothing unless implemented.",
            event.name
        );
        let output = hook_output(cx);
        let ok = if cx.model.is_async {
            quote!(async { ::core::result::Result::Ok(()) })
        } else {
            quote!(::core::result::Result::Ok(()))
        };
        // On the event's name in its first `#[on(...)]`, for a mismatched `on_<event>`.
        methods.push(super::respan(
            quote! {
                #[doc = #doc]
                #[inline(always)]
                fn #m(
                    &mut self,
                    from: #krate::StateInfo,
                    to: #krate::StateInfo,
                ) -> #output {
                    let _ = (from, to);
                    #ok
                }
            },
            event.ident.span(),
        ));
    }
    let doc = format!(
        "The hooks of [`{ident}`](super::{ident}): entry and exit hooks of the states marked \
         `#[enter]`/`#[exit]`, and a transition action per event. Implement it for the \
         machine's context type; the methods of unmarked states do not exist, and the actions \
         do nothing unless implemented. See `statewright::hooks` for when each runs and what \
         an error does."
    );
    let context = match &cx.model.context {
        Some(ty) => quote!(#ty).to_string(),
        None => "()".to_owned(),
    };
    let message = format!("the hooks of `{ident}` are not implemented for `{{Self}}`");
    let note = format!(
        "`{ident}` has hooks, so its context type implements `{}::Hooks`: write `impl {}::Hooks for {context} {{ type Error = ...; ... }}`",
        cx.module, cx.module
    );
    quote! {
        #[doc = #doc]
        #[diagnostic::on_unimplemented(message = #message, note = #note)]
        #vis trait Hooks {
            /// What an exit hook or a transition action returns to veto a transition: a type
            /// that implements `statewright::VetoError`, or `core::convert::Infallible` if none
            /// can fail (transitions then return what they return without hooks).
            type Error: #krate::HookFallibility;
            #(#methods)*
        }
    }
}

/// What an exit hook or a transition action returns: `Result<(), Self::Error>`, or a future of
/// it for `#[state_machine(async)]` (implemented with `async fn`).
fn hook_output(cx: &Ctx) -> TokenStream {
    if cx.model.is_async {
        quote!(impl ::core::future::Future<Output = ::core::result::Result<(), Self::Error>>)
    } else {
        quote!(::core::result::Result<(), Self::Error>)
    }
}

/// The `StateMachine` items of a machine with hooks: the hook error type and the dispatch of
/// the dynamic API's hooks. Empty for a machine without hooks (the runtime's defaults run).
pub fn machine_items(cx: &Ctx) -> TokenStream {
    let (krate, ident, context) = (cx.krate, cx.ident, &cx.context);
    if !cx.model.hooks {
        return quote! {
            type HookError = ::core::convert::Infallible;
        };
    }
    let hooks = hooks_of_context(cx);
    if cx.model.repaired {
        // Nothing calls the hooks, but the error type is the user's: it decides what typed
        // transitions return (`Infallible`: the machine, otherwise a `Result`), and code that
        // uses them must type-check as it will once the definition is fixed.
        return super::respan(quote!(type HookError = #hooks::Error;), anchor(cx));
    }
    let mut exits = Vec::new();
    let mut enters = Vec::new();
    for (i, state) in cx.model.states.iter().enumerate() {
        let name = &state.ident;
        let pattern = shape(quote!(#ident::#name), &state.fields);
        let args = super::bindings(&state.fields);
        if !state.exit.is_empty() {
            let m = method(cx, i, "exit");
            exits.push(quote!(#pattern => #hooks::#m(__context, #(#args),*)));
        }
        if !state.enter.is_empty() {
            let m = method(cx, i, "enter");
            enters.push(quote!(#pattern => #hooks::#m(__context, #(#args),*)));
        }
    }
    // Composites' hooks, by index (the runtime walks the composites a transition leaves and
    // enters, and calls these for the ones with hooks).
    let mut composite_exits = Vec::new();
    let mut composite_enters = Vec::new();
    for (c, composite) in cx.model.composites.iter().enumerate() {
        let snake = names::to_snake(&names::text(&composite.ident));
        let index = c as u32;
        if !composite.exit.is_empty() {
            let m = format_ident!("exit_{}", snake, span = composite.ident.span());
            composite_exits.push(quote!(#index => #hooks::#m(__context)));
        }
        if !composite.enter.is_empty() {
            let m = format_ident!("enter_{}", snake, span = composite.ident.span());
            composite_enters.push(quote!(#index => #hooks::#m(__context)));
        }
    }
    let composite_items = if cx.model.is_hierarchical() {
        let exit = if cx.model.is_async {
            quote! {
                #[inline]
                async fn __exit_composite_async(__composite: u32, __context: &mut #context) -> ::core::result::Result<(), Self::HookError> {
                    match __composite {
                        #(#composite_exits.await,)*
                        _ => ::core::result::Result::Ok(()),
                    }
                }
            }
        } else {
            quote! {
                #[inline]
                fn __exit_composite(__composite: u32, __context: &mut #context) -> ::core::result::Result<(), Self::HookError> {
                    match __composite {
                        #(#composite_exits,)*
                        _ => ::core::result::Result::Ok(()),
                    }
                }
            }
        };
        quote! {
            #exit

            #[inline]
            fn __enter_composite(__composite: u32, __context: &mut #context) {
                match __composite {
                    #(#composite_enters,)*
                    _ => {}
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let actions = (0..cx.model.events.len()).map(|e| {
        let m = action(cx, e);
        let index = e;
        quote!(#index => #hooks::#m(__context, __info(__from), __info(__to)))
    });
    // All spanned on the anchor, like every use of `<Context as Hooks>`: a context without a
    // `Hooks` impl is then one error at the user's tokens.
    if cx.model.is_async {
        let items = quote! {
            type HookError = #hooks::Error;

            const __ASYNC_HOOKS: bool = true;

            #composite_items

            #[inline]
            async fn __exit_async(&self, __context: &mut #context) -> ::core::result::Result<(), Self::HookError> {
                #[allow(unreachable_patterns)]
                match self {
                    #(#exits.await,)*
                    _ => ::core::result::Result::Ok(()),
                }
            }

            #[inline]
            fn __entered(&mut self, __context: &mut #context) {
                #[allow(unreachable_patterns)]
                match self {
                    #(#enters,)*
                    _ => {}
                }
            }

            #[inline]
            async fn __action_async(
                __event: #krate::EventId,
                __from: #krate::StateId,
                __to: #krate::StateId,
                __context: &mut #context,
            ) -> ::core::result::Result<(), Self::HookError> {
                let __info = |__id: #krate::StateId| {
                    #krate::__private::state_info(&__DEFINITION, __id.index() as u32)
                };
                match __event.index() {
                    #(#actions.await,)*
                    _ => ::core::result::Result::Ok(()),
                }
            }
        };
        return super::respan(items, anchor(cx));
    }
    let items = quote! {
        type HookError = #hooks::Error;

        #composite_items

        #[inline]
        fn __exit(&self, __context: &mut #context) -> ::core::result::Result<(), Self::HookError> {
            #[allow(unreachable_patterns)]
            match self {
                #(#exits,)*
                _ => ::core::result::Result::Ok(()),
            }
        }

        #[inline]
        fn __entered(&mut self, __context: &mut #context) {
            #[allow(unreachable_patterns)]
            match self {
                #(#enters,)*
                _ => {}
            }
        }

        #[inline]
        fn __action(
            __event: #krate::EventId,
            __from: #krate::StateId,
            __to: #krate::StateId,
            __context: &mut #context,
        ) -> ::core::result::Result<(), Self::HookError> {
            let __info = |__id: #krate::StateId| {
                #krate::__private::state_info(&__DEFINITION, __id.index() as u32)
            };
            match __event.index() {
                #(#actions,)*
                _ => ::core::result::Result::Ok(()),
            }
        }
    };
    super::respan(items, anchor(cx))
}

/// The typed API's hooks: `State::__exit` / `State::__entered` for each marked state.
pub fn state_items(cx: &Ctx, i: usize) -> TokenStream {
    let state = &cx.model.states[i];
    if !cx.model.hooks || cx.model.repaired || (state.enter.is_empty() && state.exit.is_empty()) {
        return TokenStream::new();
    }
    let (module, context) = (cx.module, &cx.context);
    let hooks = hooks_of_context(cx);
    let name = &state.ident;
    let pattern = shape(quote!(#module::#name), &state.fields);
    let bind = (!state.fields.is_empty()).then(|| quote!(let #pattern = self;));
    let args = super::bindings(&state.fields);
    let mut out = TokenStream::new();
    if !state.exit.is_empty() {
        let m = method(cx, i, "exit");
        out.extend(if cx.model.is_async {
            quote! {
                #[inline]
                async fn __exit_async(&self, __context: &mut #context) -> ::core::result::Result<(), #hooks::Error> {
                    #bind
                    #hooks::#m(__context, #(#args),*).await
                }
            }
        } else {
            quote! {
                #[inline]
                fn __exit(&self, __context: &mut #context) -> ::core::result::Result<(), #hooks::Error> {
                    #bind
                    #hooks::#m(__context, #(#args),*)
                }
            }
        });
    }
    if !state.enter.is_empty() {
        let m = method(cx, i, "enter");
        out.extend(quote! {
            #[inline]
            fn __entered(&mut self, __context: &mut #context) {
                #bind
                #hooks::#m(__context, #(#args),*)
            }
        });
    }
    super::respan(out, anchor(cx))
}
