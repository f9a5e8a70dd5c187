//! The event enum, and one trait per event implemented by the states that handle it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Fields, Visibility};

use super::{Ctx, docs};
use crate::model::Kind;
use crate::names;

/// Whether a plain event leads to different states from different states (its trait then
/// names the target as `Next`).
pub fn is_multi_target(cx: &Ctx, e: usize) -> bool {
    *cx.model.kind(e) == Kind::Plain && cx.model.single_target(e).is_none()
}

/// Whether the typed method of event `e` goes through the runtime's `attempt`: every event of a
/// machine with hooks, and choices and guards.
pub fn attempted(cx: &Ctx, e: usize) -> bool {
    cx.model.hooks || *cx.model.kind(e) != Kind::Plain
}

/// How many states the "allowed only in" note lists before "and N more".
const NOTE_LIMIT: usize = 10;

/// The event enum and the event traits, inside the generated module.
pub fn types(cx: &Ctx) -> TokenStream {
    let (krate, vis) = (cx.krate, &cx.vis);
    // `Serialize` and `Deserialize` are generated (the wire form), not derived.
    let derives = &cx.model.event_derives();
    let doc = docs::event_enum(cx);
    let mut variants = Vec::new();
    let mut names = Vec::new();
    let mut traits = Vec::new();
    for (e, event) in cx.model.events.iter().enumerate() {
        let variant = event.variant();
        let variant_doc = docs::event_variant(cx, e);
        let fields = payload(cx, e);
        variants.push(quote! {
            #[doc = #variant_doc]
            #variant #fields
        });
        let name = &event.name;
        names.push(quote!(Event::#variant { .. } => #name));

        let trait_ident = event.trait_ident();
        let trait_doc = docs::event_trait(cx, e);
        let sources: Vec<String> = cx
            .model
            .sources(e)
            .iter()
            .map(|&s| cx.state_name(s))
            .collect();
        let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
        let message = format!(
            "`{}` has no transition on `{name}` from state `{{Self}}`",
            cx.ident
        );
        let label = format!("`{name}` is not allowed in state `{{Self}}`");
        let note = if cx.model.is_hierarchical() {
            format!("`{name}` is allowed only in {}", where_allowed(cx, e))
        } else {
            format!(
                "`{name}` is allowed only in {}",
                names::list(&sources, NOTE_LIMIT)
            )
        };
        let next = is_multi_target(cx, e).then(|| {
            if cx.model.is_hierarchical() {
                // Bounded, so that code generic over a composite's states (`S: InActive`) can
                // call the event: the typed method asks this of its target. (Flat machines keep
                // the unbounded type, which checks faster.)
                let initial = cx.state_ident(cx.initial);
                quote! {
                    /// The state the event leads to from `Self`.
                    type Next: #krate::State<Machine = <#initial as #krate::State>::Machine>
                        + #krate::__private::Unit;
                }
            } else {
                quote! {
                    /// The state the event leads to from `Self`.
                    type Next;
                }
            }
        });
        // A method that goes through the runtime's `attempt` (hooks, a choice, a guard) needs
        // the state to be one of this machine's: said here rather than in each method's
        // `where` clause, which rustdoc would show with the enum spelled as a projection.
        let machine = attempted(cx, e).then(|| {
            let initial = cx.state_ident(cx.initial);
            quote!(<Machine = <#initial as #krate::State>::Machine>)
        });
        traits.push(quote! {
            #[doc = #trait_doc]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #vis trait #trait_ident: #krate::State #machine {
                #next
            }
        });
    }
    let name_doc = "The event's name, as written in `#[on(...)]`.";
    let name_fn = (!names.is_empty()).then(|| {
        quote! {
            #[doc = #name_doc]
            pub fn name(&self) -> &'static str {
                match *self {
                    #(#names,)*
                }
            }
        }
    });
    let by_name = by_name(cx);
    let composites = composite_traits(cx);
    let derives = (!derives.is_empty()).then(|| quote!(#[derive(#(#derives),*)]));
    quote! {
        #[doc = #doc]
        #derives
        #vis enum Event {
            #(#variants,)*
        }

        impl Event {
            #name_fn
            #by_name
        }

        impl ::core::str::FromStr for Event {
            type Err = #krate::EventNameError;

            /// [`Event::from_name`].
            #[inline]
            fn from_str(__name: &str) -> ::core::result::Result<Event, #krate::EventNameError> {
                Event::from_name(__name)
            }
        }

        #(#traits)*
        #composites
    }
}

/// The events every state inside composite `c` accepts: those it and its ancestors declare.
/// From the flat table (not the composites' declarations), which stays consistent when
/// `fallback` repairs a model.
fn composite_events(cx: &Ctx, c: usize) -> Vec<usize> {
    let mut lineage = vec![c];
    lineage.extend(cx.model.ancestors(crate::hierarchy::NodeRef::Composite(c)));
    let mut events: Vec<usize> = Vec::new();
    for &a in &lineage {
        for t in cx.model.transitions.iter().filter(|t| t.origin == Some(a)) {
            if !events.contains(&t.event) {
                events.push(t.event);
            }
        }
    }
    events
}

/// The name of a composite's trait: `InActive` for `Active`.
pub fn composite_trait(cx: &Ctx, c: usize) -> syn::Ident {
    let composite = &cx.model.composites[c];
    let name = crate::model::Model::composite_trait_name(composite);
    syn::Ident::new(&name, composite.ident.span())
}

/// One trait per composite state, implemented by every state inside it, with the traits of the
/// events all of them accept (the composite's and its ancestors') as supertraits: code generic
/// over "any state inside `Active`" names `S: InActive` and calls those events.
fn composite_traits(cx: &Ctx) -> TokenStream {
    let (krate, vis) = (cx.krate, &cx.vis);
    let mut out = TokenStream::new();
    let free = cx.model.composite_traits_free();
    // Per state, the composites it is inside.
    let ancestors: Vec<Vec<usize>> = (0..cx.model.states.len())
        .map(|s| cx.model.ancestors(crate::hierarchy::NodeRef::State(s)))
        .collect();
    for (c, composite) in cx.model.composites.iter().enumerate() {
        if !free[c] {
            continue;
        }
        let ident = composite_trait(cx, c);
        let name = names::text(&composite.ident);
        let events = composite_events(cx, c);
        // `Next` is bound where every state inside leads to the same state on the event, so
        // that generic code gets `Machine<Off>` rather than `Machine<S::Next>`.
        let inside: Vec<usize> = (0..cx.model.states.len())
            .filter(|&s| ancestors[s].contains(&c))
            .collect();
        let supertraits = events.iter().map(|&e| {
            let trait_ident = cx.model.events[e].trait_ident();
            if !is_multi_target(cx, e) {
                return quote!(#trait_ident);
            }
            let mut targets = cx
                .model
                .transitions
                .iter()
                .filter(|t| t.event == e && inside.contains(&t.from))
                .map(|t| t.to);
            let first = targets.next().flatten();
            match first {
                Some(to) if targets.all(|t| t == Some(to)) => {
                    let to = cx.state_ident(to);
                    quote!(#trait_ident<Next = #to>)
                }
                _ => quote!(#trait_ident),
            }
        });
        let listed: Vec<&str> = events
            .iter()
            .map(|&e| cx.model.events[e].name.as_str())
            .collect();
        let doc = if listed.is_empty() {
            format!("Implemented by every state inside the composite state `{name}`.")
        } else {
            format!(
                "Implemented by every state inside the composite state `{name}`, each of which \
                 accepts {}: write `fn f<S: {ident}>(machine: Machine<S, R>)` to handle any of \
                 them.",
                names::list(&listed, usize::MAX)
            )
        };
        out.extend(quote! {
            #[doc = #doc]
            #vis trait #ident: #krate::State #(+ #supertraits)* {}
        });
    }
    out
}

/// `Event::NAMES`, `Event::EXTERNAL` and `Event::from_name`.
fn by_name(cx: &Ctx) -> TokenStream {
    let krate = cx.krate;
    let all: Vec<&str> = cx.model.events.iter().map(|e| e.name.as_str()).collect();
    let external: Vec<&str> = (0..cx.model.events.len())
        .filter(|&e| !cx.model.is_internal(e))
        .map(|e| all[e])
        .collect();
    // The external events a name alone makes: plain, without data.
    let unit: Vec<usize> = (0..cx.model.events.len())
        .filter(|&e| {
            !cx.model.is_internal(e) && *cx.model.kind(e) == Kind::Plain && !has_payload(cx, e)
        })
        .collect();
    let valid: Vec<&str> = unit.iter().map(|&e| all[e]).collect();
    let arms = unit.iter().map(|&e| {
        let (name, variant) = (all[e], cx.model.events[e].variant());
        quote!(#name => ::core::result::Result::Ok(Event::#variant))
    });
    let names_doc = format!(
        "The name of every event of [`{0}`](super::{0}), in the definition's order (order of \
         first appearance).",
        cx.ident
    );
    let external_doc = "The names of the events that may come from outside: every event but \
                        the internal ones (timeouts' events, and those named in \
                        `#[state_machine(internal(...))]`), which `Dynamic::apply` refuses and \
                        deserialization does not produce. Definition order.";
    let from_name_doc = format!(
        "The event named `__name`, for the events that come from outside and carry no data: {}. \
         Any other name is an error that says why (unknown, with the nearest valid name; \
         internal; carries data) and lists these.",
        if valid.is_empty() {
            "none".to_owned()
        } else {
            names::list(&valid, NOTE_LIMIT)
        }
    );
    quote! {
        #[doc = #names_doc]
        pub const NAMES: &'static [&'static str] = &[#(#all),*];

        #[doc = #external_doc]
        pub const EXTERNAL: &'static [&'static str] = &[#(#external),*];

        #[doc = #from_name_doc]
        pub fn from_name(__name: &str) -> ::core::result::Result<Event, #krate::EventNameError> {
            match __name {
                #(#arms,)*
                _ => ::core::result::Result::Err(
                    #krate::__private::event_name_error(DEFINITION, &[#(#valid),*], __name)
                ),
            }
        }
    }
}

/// The fields of an event's variant: the data of its target, when it has one target with data;
/// the choice (`(PaidOrDeclined)`) of a choice; the target's data if the guard lets it through
/// (`(Option<Paid>)`) of a guarded transition.
fn payload(cx: &Ctx, e: usize) -> TokenStream {
    match cx.model.kind(e) {
        Kind::Choice(targets) => {
            let name = cx.model.choice_name(targets);
            return quote!((#name));
        }
        Kind::Guard(t) => {
            let state = cx.state_ident(*t);
            return quote!((::core::option::Option<#state>));
        }
        Kind::Plain => {}
    }
    let Some(target) = cx.model.single_target(e) else {
        return TokenStream::new();
    };
    let state = &cx.model.states[target];
    if !state.has_data() {
        return TokenStream::new();
    }
    let owner = crate::names::text(&state.ident);
    let mut fields = state.fields.clone();
    for field in fields.iter_mut() {
        field.vis = Visibility::Inherited;
    }
    // The event's wire form is generated, not derived: serde's field attributes do not apply
    // to it (and would not compile without the derive).
    if cx.model.wire.any() {
        for field in fields.iter_mut() {
            field.attrs.retain(|a| !a.path().is_ident("serde"));
        }
    }
    let list: Vec<TokenStream> = fields
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let attrs = super::states::field_attrs(cx, f, &owner, n);
            let ty = &f.ty;
            match &f.ident {
                Some(name) => quote!(#(#attrs)* #name: #ty),
                None => quote!(#(#attrs)* #ty),
            }
        })
        .collect();
    match fields {
        Fields::Named(_) => quote!({ #(#list),* }),
        Fields::Unnamed(_) => quote!((#(#list),*)),
        Fields::Unit => TokenStream::new(),
    }
}

/// Whether a plain event's variant carries its target's data.
pub fn has_payload(cx: &Ctx, e: usize) -> bool {
    *cx.model.kind(e) == Kind::Plain
        && cx
            .model
            .single_target(e)
            .is_some_and(|t| cx.model.states[t].has_data())
}

/// One impl of an event trait per transition, spanned on the event's name in the user's
/// `#[on(...)]`, so that the compiler's "the trait is implemented for" note points there.
pub fn impls(cx: &Ctx) -> TokenStream {
    let module = cx.module;
    let mut last_group = None;
    // Per state, the composites it is inside and the events it has (one pass each).
    // (Nothing for a flat machine.)
    let hierarchical = cx.model.is_hierarchical();
    let ancestors: Vec<Vec<usize>> = (0..cx.model.states.len())
        .filter(|_| hierarchical)
        .map(|s| cx.model.ancestors(crate::hierarchy::NodeRef::State(s)))
        .collect();
    let handled: std::collections::HashSet<(usize, usize)> = cx
        .model
        .transitions
        .iter()
        .filter(|_| hierarchical)
        .map(|t| (t.from, t.event))
        .collect();
    let free = cx.model.composite_traits_free();
    let (ancestors, handled) = (&ancestors, &handled);
    let mut out: TokenStream = (0..cx.model.composites.len())
        .filter(|&c| free[c])
        .flat_map(|c| {
            let ident = composite_trait(cx, c);
            let events = composite_events(cx, c);
            // Every state inside, each of which has the events (only a terminal state inside a
            // composite with transitions, which validation reports, has not).
            (0..cx.model.states.len())
                .filter(move |&s| ancestors[s].contains(&c))
                .filter(move |&s| events.iter().all(|&e| handled.contains(&(s, e))))
                .map(move |s| {
                    let from = cx.state_ident(s);
                    quote!(impl #module::#ident for #module::#from {})
                })
        })
        .collect();
    let transitions: TokenStream = cx
        .model
        .transitions
        .iter()
        // One impl per state and event: the targets of a choice are one transition.
        .filter(|t| last_group.replace(t.group) != Some(t.group))
        .map(|t| {
            let event = &cx.model.events[t.event];
            let trait_ident = event.trait_ident();
            let from = cx.state_ident(t.from);
            let span = t.event_ident.span();
            let next = is_multi_target(cx, t.event).then(|| {
                let name = cx.state_ident(t.to.unwrap_or(t.from));
                quote_spanned!(span=> type Next = #module::#name;)
            });
            // No `#[automatically_derived]` here: one attribute on each of hundreds of impls is
            // measurable, and these impls hold no code that lints could look at.
            quote_spanned! {span=>
                impl #module::#trait_ident for #module::#from {
                    #next
                }
            }
        })
        .collect();
    if out.is_empty() {
        // A flat machine: no copy of the (large) stream of impls.
        return transitions;
    }
    out.extend(transitions);
    out
}

/// Where an event of a hierarchical machine is allowed, as the typed API's error note says it:
/// the states that declare it, and "any state inside `Active`" for a composite that does (its
/// states inherit it, except those that handle the event themselves).
fn where_allowed(cx: &Ctx, e: usize) -> String {
    let mut places: Vec<String> = Vec::new();
    for t in cx.model.transitions.iter().filter(|t| t.event == e) {
        let place = match t.origin {
            Some(c) => format!("any state inside `{}`", cx.model.composites[c].ident),
            None => format!("`{}`", cx.state_name(t.from)),
        };
        if !places.contains(&place) {
            places.push(place);
        }
    }
    let rest = places.len().saturating_sub(NOTE_LIMIT);
    places.truncate(NOTE_LIMIT);
    let mut out = match places.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] if rest == 0 => format!("{} and {last}", init.join(", ")),
        all => all.join(", "),
    };
    if rest > 0 {
        out.push_str(&format!(" and {rest} more"));
    }
    out
}
