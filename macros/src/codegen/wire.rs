//! The wire form of the event enum: `Serialize` and `Deserialize` impls, generated when the
//! `derive(...)` option names them (instead of deriving them, which would give serde's
//! externally tagged form with the variants' Rust names).
//!
//! An event is an object whose `"type"` is the event's name in the definition, beside its
//! target's fields (named fields under their names, positional ones as `"data"`), with `"to"`
//! naming a choice's target or a guard's (`null` when the guard declines). The runtime's
//! `__private::wire` does the work: these impls only list the events, keys and fields. They are
//! wrapped in `__private::wire_impls!`, which is a compile error at the user's derive when
//! statewright's `serde` feature is off.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Fields, Ident};

use super::{Ctx, bindings, shape};
use crate::model::Kind;
use crate::names;

/// The impls, next to the enum (empty unless the user derives `Serialize` or `Deserialize`).
pub fn impls(cx: &Ctx) -> TokenStream {
    let wire = &cx.model.wire;
    let Some(first) = wire.serialize.as_ref().or(wire.deserialize.as_ref()) else {
        return TokenStream::new();
    };
    let serialize = wire.serialize.as_ref().map(|_| serialize(cx));
    let deserialize = wire.deserialize.as_ref().map(|_| deserialize(cx));
    // The invocation carries the span of the user's derive: without the `serde` feature, the
    // error is reported there.
    let span = first
        .segments
        .last()
        .map_or_else(Span::call_site, |s| s.ident.span());
    let krate = cx.krate;
    let invocation = super::respan(quote!(#krate::__private::wire_impls!), span);
    quote_spanned! {span=>
        #invocation { #serialize #deserialize }
    }
}

/// One event's shape on the wire.
enum Shape {
    /// Only `"type"`.
    Unit,
    /// The target's fields beside `"type"` (named, or `"data"` for positional ones).
    Data(usize),
    /// `"to"`: one of the targets, each with its fields.
    Choice(Vec<usize>),
    /// `"to"`: the target with its fields, or `null`.
    Guard(usize),
}

fn shape_of(cx: &Ctx, e: usize) -> Shape {
    match cx.model.kind(e) {
        Kind::Choice(targets) => Shape::Choice(targets.clone()),
        Kind::Guard(t) => Shape::Guard(*t),
        Kind::Plain => match cx.model.single_target(e) {
            Some(t) if cx.model.states[t].has_data() => Shape::Data(t),
            _ => Shape::Unit,
        },
    }
}

/// The keys a target's fields take: each named field's name, or `"data"` for positional ones.
fn keys(fields: &Fields) -> Vec<String> {
    match fields {
        Fields::Named(named) => named
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(names::text))
            .collect(),
        Fields::Unnamed(unnamed) if !unnamed.unnamed.is_empty() => vec!["data".to_owned()],
        _ => Vec::new(),
    }
}

/// The entries that write a target's fields, bound as `__f0, __f1, ...`.
fn write_fields(cx: &Ctx, fields: &Fields) -> Vec<TokenStream> {
    let krate = cx.krate;
    let vars = bindings(fields);
    match fields {
        Fields::Named(_) => keys(fields)
            .iter()
            .zip(&vars)
            .map(|(key, var)| quote!(#krate::__private::wire::entry(&mut __map, #key, #var)?;))
            .collect(),
        Fields::Unnamed(_) if vars.len() == 1 => {
            let var = &vars[0];
            vec![quote!(#krate::__private::wire::entry(&mut __map, "data", #var)?;)]
        }
        Fields::Unnamed(_) if !vars.is_empty() => {
            vec![quote!(#krate::__private::wire::entry(&mut __map, "data", &(#(#vars),*))?;)]
        }
        _ => Vec::new(),
    }
}

/// `Serialize` for the event enum.
fn serialize(cx: &Ctx) -> TokenStream {
    let (krate, module) = (cx.krate, cx.module);
    let wire = quote!(#krate::__private::wire);
    let serde = quote!(#krate::__private::serde);
    let mut arms = Vec::new();
    for (e, event) in cx.model.events.iter().enumerate() {
        let (name, variant) = (&event.name, event.variant());
        let path = quote!(#module::Event::#variant);
        // The object of this event, going to `target` (`to` written when it is `Some`).
        let object = |to: Option<TokenStream>, fields: &Fields| {
            let writes = write_fields(cx, fields);
            let count = writes.len() + usize::from(to.is_some());
            if count == 0 {
                return quote!(#wire::end(#wire::begin(__serializer, #name, 0)?));
            }
            let to = to.map(|to| quote!(#wire::entry(&mut __map, "to", #to)?;));
            quote! {{
                let mut __map = #wire::begin(__serializer, #name, #count)?;
                #to
                #(#writes)*
                #wire::end(__map)
            }}
        };
        match shape_of(cx, e) {
            Shape::Unit => {
                let body = object(None, &Fields::Unit);
                arms.push(quote!(#path { .. } => #body));
            }
            Shape::Data(t) => {
                let fields = &cx.model.states[t].fields;
                let pattern = shape(path, fields);
                let body = object(None, fields);
                arms.push(quote!(#pattern => #body));
            }
            Shape::Choice(targets) => {
                let choice = cx.model.choice_name(&targets);
                for t in targets {
                    let state = cx.state_ident(t);
                    let fields = &cx.model.states[t].fields;
                    let inner = shape(quote!(#module::#state), fields);
                    let to = cx.state_name(t);
                    let body = object(Some(quote!(#to)), fields);
                    arms.push(quote!(#path(#module::#choice::#state(#inner)) => #body));
                }
            }
            Shape::Guard(t) => {
                let state = cx.state_ident(t);
                let fields = &cx.model.states[t].fields;
                let inner = shape(quote!(#module::#state), fields);
                let to = cx.state_name(t);
                let body = object(Some(quote!(#to)), fields);
                arms.push(quote!(#path(::core::option::Option::Some(#inner)) => #body));
                let body = object(
                    Some(quote!(&::core::option::Option::<&str>::None)),
                    &Fields::Unit,
                );
                arms.push(quote!(#path(::core::option::Option::None) => #body));
            }
        }
    }
    let body = if arms.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#arms,)* })
    };
    quote! {
        #[automatically_derived]
        impl #serde::Serialize for #module::Event {
            fn serialize<__S: #serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                #body
            }
        }
    }
}

/// The expression that builds a target's value from the object's fields, and the object's
/// keys. `build` wraps the target's value (for a plain event, the fields go in the variant).
fn read_fields(path: TokenStream, fields: &Fields) -> (TokenStream, Vec<String>) {
    let keys = keys(fields);
    let value = match fields {
        Fields::Named(named) => {
            let names = named.named.iter().map(|f| &f.ident);
            let keys = &keys;
            quote!(#path { #(#names: __object.field(#keys)?),* })
        }
        Fields::Unnamed(_) if fields.len() == 1 => quote!(#path(__object.field("data")?)),
        Fields::Unnamed(_) if !fields.is_empty() => {
            let vars = bindings(fields);
            quote!({
                let (#(#vars),*) = __object.field("data")?;
                #path(#(#vars),*)
            })
        }
        _ => shape(path, fields),
    };
    (value, keys)
}

/// `Deserialize` for the event enum. An internal event has no arm: `wire::read` refuses it.
fn deserialize(cx: &Ctx) -> TokenStream {
    let (krate, module) = (cx.krate, cx.module);
    let wire = quote!(#krate::__private::wire);
    let serde = quote!(#krate::__private::serde);
    // `(value, the object's keys)`.
    let result = |value: TokenStream, keys: &[&str], data: &[String]| {
        let keys = keys.iter().copied().chain(data.iter().map(String::as_str));
        quote!((#value, &[#(#keys),*]))
    };
    let mut arms = Vec::new();
    for (e, event) in cx.model.events.iter().enumerate() {
        if cx.model.is_internal(e) {
            continue;
        }
        let variant = event.variant();
        let path = quote!(#module::Event::#variant);
        let index = e;
        let body = match shape_of(cx, e) {
            Shape::Unit => result(quote!(#path), &["type"], &[]),
            Shape::Data(t) => {
                let (value, keys) = read_fields(path, &cx.model.states[t].fields);
                result(value, &["type"], &keys)
            }
            Shape::Choice(targets) => {
                let choice = cx.model.choice_name(&targets);
                let names: Vec<String> = targets.iter().map(|&t| cx.state_name(t)).collect();
                let count = targets.len();
                let branches = targets.iter().enumerate().map(|(i, &t)| {
                    let state = cx.state_ident(t);
                    let (value, keys) =
                        read_fields(quote!(#module::#state), &cx.model.states[t].fields);
                    let value = quote!(#path(#module::#choice::#state(#value)));
                    let body = result(value, &["type", "to"], &keys);
                    // The last branch is the catch-all: `to` returns an index below `count`.
                    if i + 1 == count {
                        quote!(_ => #body)
                    } else {
                        quote!(#i => #body)
                    }
                });
                quote!(match __object.to(&[#(#names),*])? { #(#branches,)* })
            }
            Shape::Guard(t) => {
                let state = cx.state_ident(t);
                let name = cx.state_name(t);
                let (value, keys) =
                    read_fields(quote!(#module::#state), &cx.model.states[t].fields);
                let through = result(
                    quote!(#path(::core::option::Option::Some(#value))),
                    &["type", "to"],
                    &keys,
                );
                let declined = result(
                    quote!(#path(::core::option::Option::None)),
                    &["type", "to"],
                    &[],
                );
                quote!(if __object.guard(#name)? { #through } else { #declined })
            }
        };
        arms.push(quote!(#index => #body));
    }
    let de = Ident::new("__de", Span::call_site());
    let lifetime = syn::Lifetime {
        apostrophe: Span::call_site(),
        ident: de,
    };
    quote! {
        #[automatically_derived]
        impl<#lifetime> #serde::Deserialize<#lifetime> for #module::Event {
            fn deserialize<__D: #serde::Deserializer<#lifetime>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #[allow(unused_mut)] // no event may need a field
                let (__event, mut __object) =
                    #wire::read(__deserializer, #module::DEFINITION, #module::Event::EXTERNAL)?;
                let (__value, __keys): (#module::Event, &'static [&'static str]) = match __event {
                    #(#arms,)*
                    _ => return ::core::result::Result::Err(__object.unexpected()),
                };
                __object.finish(__keys)?;
                ::core::result::Result::Ok(__value)
            }
        }
    }
}
