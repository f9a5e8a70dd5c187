//! What is emitted when the definition has mistakes: the errors, the user's enum, and the
//! generated API of a repaired copy of the model, so that code using the machine elsewhere in
//! the crate still resolves and only the definition's own errors are reported.
//!
//! The repair makes the model satisfy what code generation relies on and nothing more: an
//! unknown target becomes the state it was probably meant to be (or the transition is dropped),
//! later duplicates and conflicting transitions are dropped, events whose names cannot be
//! generated are dropped, and there is exactly one initial state. Nothing generated from a
//! repaired model can run: the crate does not compile, because the errors are emitted with it.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::DeriveInput;

use crate::model::{MODULE_TYPES, MODULE_VALUES, Model};
use crate::names;
use crate::{codegen, validate};

/// The errors, the enum, and (when possible) the API of the repaired model.
pub fn generate(item: &DeriveInput, mut model: Model, errors: TokenStream) -> TokenStream {
    let item = &without_duplicates(item);
    if !repair(&mut model) {
        return quote! { #errors #item };
    }
    let api = codegen::generate(item, &model);
    quote! { #errors #api }
}

/// The enum without the variants that repeat an earlier variant's name: validation reports
/// them, and the compiler then has nothing to add (no "defined multiple times", no conflicting
/// impls, no non-exhaustive matches).
fn without_duplicates(item: &DeriveInput) -> DeriveInput {
    let mut item = item.clone();
    if let syn::Data::Enum(data) = &mut item.data {
        let mut seen = HashSet::new();
        data.variants = std::mem::take(&mut data.variants)
            .into_pairs()
            .filter(|pair| seen.insert(names::text(&pair.value().ident)))
            .collect();
    }
    item
}

/// Repairs `model` in place; `false` when it cannot be repaired into something worth
/// generating (a state whose name the generated module needs for itself, or an enum whose
/// name gives no usable module name).
fn repair(model: &mut Model) -> bool {
    let traits: HashSet<String> = model.events.iter().map(|e| e.trait_name()).collect();
    let clashing = model.states.iter().any(|s| {
        let name = names::text(&s.ident);
        MODULE_TYPES.contains(&name.as_str())
            || MODULE_VALUES.contains(&name.as_str())
            || traits.contains(&name)
    });
    if clashing || model.unusable_module.is_some() {
        return false;
    }
    model.repaired = true;

    // Hooks: one state per hook name (the first).
    let mut hook_names = HashSet::new();
    for state in &mut model.states {
        if (!state.enter.is_empty() || !state.exit.is_empty())
            && !hook_names.insert(names::to_snake(&names::text(&state.ident)))
        {
            state.enter.clear();
            state.exit.clear();
        }
    }

    // Exactly one initial state: the first marked one, or the first state.
    let initial = model.initial();
    for (i, state) in model.states.iter_mut().enumerate() {
        if i == initial {
            state.initial.truncate(1);
            if state.initial.is_empty() {
                state.initial.push(Span::call_site());
            }
        } else {
            state.initial.clear();
        }
    }

    // Unknown targets: the suggested state, or nothing.
    let states: Vec<String> = model.states.iter().map(|s| names::text(&s.ident)).collect();
    for t in model.transitions.iter_mut().filter(|t| t.to.is_none()) {
        let name = names::text(&t.target);
        t.to = names::did_you_mean(&name, states.iter().map(String::as_str))
            .and_then(|close| states.iter().position(|s| s == close));
    }
    model.transitions.retain(|t| t.to.is_some());

    // Timeouts: the first of each state, none from a terminal state or into a state with
    // data.
    let mut timed = HashSet::new();
    let states = &model.states;
    model.transitions.retain(|t| {
        t.timeout.is_none()
            || (states[t.from].terminal.is_empty()
                && t.to.is_some_and(|to| !states[to].has_data())
                && timed.insert(t.from))
    });

    // Each target once in a choice.
    let mut seen = HashSet::new();
    model.transitions.retain(|t| seen.insert((t.group, t.to)));

    // One transition (or choice) per (state, event): the first.
    let mut first_group = std::collections::HashMap::new();
    model
        .transitions
        .retain(|t| *first_group.entry((t.from, t.event)).or_insert(t.group) == t.group);
    count_groups(model);

    // A choice or a guard looks the same from every state: the first one's shape.
    let mut shapes = std::collections::HashMap::new();
    let shape = |m: &Model, group: usize| -> (Vec<Option<usize>>, bool) {
        let ts = m.transitions.iter().filter(|t| t.group == group);
        (
            ts.clone().map(|t| t.to).collect(),
            ts.clone().any(|t| t.guard.is_some()),
        )
    };
    let keep: Vec<bool> = model
        .transitions
        .iter()
        .map(|t| {
            let this = shape(model, t.group);
            let first = shapes.entry(t.event).or_insert_with(|| this.clone());
            *first == this || (first.0.len() == 1 && this.0.len() == 1 && !first.1 && !this.1)
        })
        .collect();
    let mut keep = keep.into_iter();
    model.transitions.retain(|_| keep.next().unwrap_or(false));
    model.index();

    // A plain event whose target carries data leads only to its first target.
    for e in 0..model.events.len() {
        if *model.kind(e) != crate::model::Kind::Plain {
            continue;
        }
        let targets = model.targets(e);
        if targets.len() > 1 && targets.iter().any(|&t| model.states[t].has_data()) {
            let first = targets[0];
            model
                .transitions
                .retain(|t| t.event != e || t.to == Some(first));
        }
    }

    // Events whose names cannot become methods and variants (the rule validation reports),
    // and events left without transitions.
    let mut used = vec![false; model.events.len()];
    for t in &model.transitions {
        used[t.event] = true;
    }
    let keep: Vec<bool> = validate::event_name_problems(model)
        .iter()
        .zip(&used)
        .map(|(problem, &used)| used && problem.is_none())
        .collect();
    let mut new_index = Vec::with_capacity(keep.len());
    let mut next = 0;
    for &k in &keep {
        new_index.push(next);
        next += usize::from(k);
    }
    model.transitions.retain(|t| keep[t.event]);
    for t in &mut model.transitions {
        t.event = new_index[t.event];
    }
    let mut kept = keep.iter();
    model
        .events
        .retain(|_| kept.next().copied().unwrap_or(false));
    model.index();
    true
}

/// Recomputes how many targets each group has, after transitions were dropped.
fn count_groups(model: &mut Model) {
    let mut counts = std::collections::HashMap::new();
    for t in &model.transitions {
        *counts.entry(t.group).or_insert(0) += 1;
    }
    for t in &mut model.transitions {
        t.group_len = counts[&t.group];
    }
}

/// The user's item alone, with the errors: for input that cannot become a machine at all.
pub fn unsupported(tokens: TokenStream, errors: TokenStream) -> TokenStream {
    let mut out = errors;
    tokens.to_tokens(&mut out);
    out
}
