//! The definition rules: one `check_*` function per rule, each reporting every violation it
//! finds at the offending token. All of them run, so one build shows every mistake.

use std::collections::VecDeque;

use crate::errors::Errors;
use crate::model::{MODULE_TYPES, MODULE_VALUES, Model};
use crate::names;

/// How many names an error message lists before "and N more".
const LIST_LIMIT: usize = 10;

/// Runs every check on `model`.
pub fn check(model: &Model, errors: &Errors) {
    check_one_initial(model, errors);
    check_flags_once(model, errors);
    check_targets_exist(model, errors);
    check_one_transition_per_event(model, errors);
    // The graph checks are meaningful only when the graph is complete: a malformed `#[on]` or
    // an unknown target would otherwise be reported a second time as an unreachable state.
    let graph_complete = errors.count() == 0;
    check_terminal_states_have_no_transitions(model, errors);
    check_event_names(model, errors);
    check_state_names(model, errors);
    check_event_payloads(model, errors);
    if graph_complete {
        check_all_reachable(model, errors);
        check_no_dead_ends(model, errors);
    }
}

/// Exactly one state is marked `#[initial]`.
fn check_one_initial(model: &Model, errors: &Errors) {
    let marked: Vec<_> = model
        .states
        .iter()
        .filter(|s| !s.initial.is_empty())
        .collect();
    match marked.as_slice() {
        [] => errors.at(
            model.ident.span(),
            format!(
                "`{}` has no initial state; put `#[initial]` on the state it starts in",
                model.ident
            ),
        ),
        [first, rest @ ..] => {
            for state in rest {
                errors.at(
                    state.initial[0],
                    format!(
                        "`{}` is marked `#[initial]`, but `{}` already is; a machine has exactly one initial state",
                        state.ident, first.ident
                    ),
                );
            }
        }
    }
}

/// `#[initial]` and `#[terminal]` appear at most once on a variant.
fn check_flags_once(model: &Model, errors: &Errors) {
    for state in &model.states {
        for (spans, name) in [(&state.initial, "initial"), (&state.terminal, "terminal")] {
            for span in spans.iter().skip(1) {
                errors.at(*span, format!("duplicate `#[{name}]` on `{}`", state.ident));
            }
        }
    }
}

/// Every target names a state of the machine.
fn check_targets_exist(model: &Model, errors: &Errors) {
    let states: Vec<String> = model.states.iter().map(|s| s.ident.to_string()).collect();
    for t in model.transitions.iter().filter(|t| t.to.is_none()) {
        let name = t.target.to_string();
        let message = match names::did_you_mean(&name, states.iter().map(String::as_str)) {
            Some(close) => format!("unknown state `{name}`; did you mean `{close}`?"),
            None => {
                let all: Vec<&str> = states.iter().map(String::as_str).collect();
                format!(
                    "unknown state `{name}`; the states of `{}` are {}",
                    model.ident,
                    names::list(&all, LIST_LIMIT)
                )
            }
        };
        errors.at(t.target.span(), message);
    }
}

/// A state handles each event at most once: a second transition on the same event is either a
/// duplicate (same target) or nondeterministic (another target).
fn check_one_transition_per_event(model: &Model, errors: &Errors) {
    for (j, later) in model.transitions.iter().enumerate() {
        let Some(first) = model.transitions[..j]
            .iter()
            .find(|t| t.from == later.from && t.event == later.event)
        else {
            continue;
        };
        let (state, event) = (&model.states[later.from].ident, &later.event_ident);
        let message = if first.target == later.target {
            format!(
                "duplicate transition: `{state}` already has `{event} -> {}`",
                first.target
            )
        } else {
            format!(
                "nondeterministic transition: `{event}` already leads from `{state}` to `{}`; an event leads from a state to one target",
                first.target
            )
        };
        errors.at(later.event_ident.span(), message);
    }
}

/// A `#[terminal]` state has no `#[on(...)]`.
fn check_terminal_states_have_no_transitions(model: &Model, errors: &Errors) {
    for state in model.states.iter().filter(|s| !s.terminal.is_empty()) {
        for span in &state.on {
            errors.at(
                *span,
                format!(
                    "`{}` is `#[terminal]`, so it has no way out; remove this `#[on(...)]` or the `#[terminal]`",
                    state.ident
                ),
            );
        }
    }
}

/// Event names are snake_case identifiers that are not keywords, because each names a method
/// of the typed machine and (in UpperCamelCase) a variant of the event enum; no two events
/// become the same variant, and no event takes the name of a generated `<event>_with` method.
fn check_event_names(model: &Model, errors: &Errors) {
    for (i, event) in model.events.iter().enumerate() {
        let name = event.name.as_str();
        let span = event.ident.span();
        if let Some(bare) = name.strip_prefix("r#") {
            errors.at(
                span,
                format!("`{bare}` is a keyword and cannot name an event; use another name, like `{bare}_`"),
            );
            continue;
        }
        if names::is_keyword(name) {
            errors.at(
                span,
                format!("`{name}` is a keyword and cannot name an event; use another name, like `{name}_`"),
            );
            continue;
        }
        if !names::is_snake_case(name) {
            let snake = names::to_snake(name);
            let valid = names::is_snake_case(&snake) && !names::is_keyword(&snake);
            errors.at(
                span,
                if valid {
                    format!("event names are snake_case because they name methods: write `{snake}` instead of `{name}`")
                } else {
                    format!("event names are snake_case because they name methods: a lowercase letter, then lowercase letters, digits and single underscores; `{name}` is not")
                },
            );
            continue;
        }
        let variant = event.variant().to_string();
        if names::is_keyword(&variant) {
            errors.at(
                span,
                format!("the event `{name}` would become the variant `Event::{variant}`, which is a keyword; use another name"),
            );
            continue;
        }
        if let Some(other) = model.events[..i].iter().find(|e| e.variant() == variant) {
            errors.at(
                span,
                format!(
                    "the events `{}` and `{name}` both become the variant `Event::{variant}`; rename one of them",
                    other.name
                ),
            );
            continue;
        }
        if let Some(base) = name.strip_suffix("_with") {
            let clash = model
                .events
                .iter()
                .position(|e| e.name == base)
                .filter(|&b| {
                    model
                        .single_target(b)
                        .is_some_and(|t| model.states[t].has_data())
                });
            if clash.is_some() {
                errors.at(
                    span,
                    format!(
                        "the event `{name}` clashes with the method `{name}` that builds `{base}`'s target from the current state; rename it"
                    ),
                );
            }
        }
    }
}

/// No state takes a name that the generated module uses for something else.
fn check_state_names(model: &Model, errors: &Errors) {
    for state in &model.states {
        let name = state.ident.to_string();
        let what = if MODULE_TYPES.contains(&name.as_str()) {
            Some(format!("the generated type `{}::{name}`", model.module))
        } else if MODULE_VALUES.contains(&name.as_str()) {
            Some(format!("the generated item `{}::{name}`", model.module))
        } else {
            model
                .events
                .iter()
                .find(|e| e.trait_ident() == name)
                .map(|e| format!("the generated trait for the event `{}`", e.name))
        };
        if let Some(what) = what {
            errors.at(
                state.ident.span(),
                format!("the state name `{name}` clashes with {what}; rename the state"),
            );
        }
    }
}

/// An event whose target carries data always leads to that one state: the event enum's variant
/// carries the target's data, so it cannot stand for several targets.
fn check_event_payloads(model: &Model, errors: &Errors) {
    for (e, event) in model.events.iter().enumerate() {
        let targets = model.targets(e);
        if targets.len() < 2 {
            continue;
        }
        let Some(&with_data) = targets.iter().find(|&&t| model.states[t].has_data()) else {
            continue;
        };
        // Point at the first transition that disagrees with the first target.
        let first = targets[0];
        let Some(other) = model
            .transitions
            .iter()
            .find(|t| t.event == e && t.to.is_some_and(|to| to != first))
        else {
            continue;
        };
        let data_state = &model.states[with_data].ident;
        let others: Vec<String> = targets
            .iter()
            .filter(|&&t| t != with_data)
            .map(|&t| model.states[t].ident.to_string())
            .collect();
        let others: Vec<&str> = others.iter().map(String::as_str).collect();
        errors.at(
            other.target.span(),
            format!(
                "`{}` cannot lead to both `{data_state}`, which carries data, and {}: an event carries its target's data, so it leads to that one state; use one event per target",
                event.name,
                names::list(&others, LIST_LIMIT)
            ),
        );
    }
}

/// Every state can be reached from the initial state.
fn check_all_reachable(model: &Model, errors: &Errors) {
    let initial = model.initial();
    let mut reached = vec![false; model.states.len()];
    reached[initial] = true;
    let mut queue = VecDeque::from([initial]);
    while let Some(state) = queue.pop_front() {
        for t in model.transitions.iter().filter(|t| t.from == state) {
            if let Some(to) = t.to {
                if !reached[to] {
                    reached[to] = true;
                    queue.push_back(to);
                }
            }
        }
    }
    for (state, _) in model.states.iter().zip(&reached).filter(|(_, r)| !**r) {
        errors.at(
            state.ident.span(),
            format!(
                "`{}` is unreachable: no path leads to it from the initial state `{}`; add a transition to it, or remove it",
                state.ident, model.states[initial].ident
            ),
        );
    }
}

/// Every state that is not `#[terminal]` has a way out.
fn check_no_dead_ends(model: &Model, errors: &Errors) {
    for (i, state) in model.states.iter().enumerate() {
        if state.terminal.is_empty() && !model.transitions.iter().any(|t| t.from == i) {
            errors.at(
                state.ident.span(),
                format!(
                    "`{}` has no way out; add `#[on(event -> Target)]`, or mark it `#[terminal]` if the machine ends there",
                    state.ident
                ),
            );
        }
    }
}
