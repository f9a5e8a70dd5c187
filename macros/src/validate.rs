//! The definition rules: one `check_*` function per rule, each reporting every violation it
//! finds at the offending token. All of them run, so one build shows every mistake; the graph
//! checks (reachability, a way out) skip only what an unknown graph makes unknowable (see
//! `check` and `check_all_reachable`).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::errors::Errors;
use crate::model::{Kind, MODULE_TYPES, MODULE_VALUES, Model};
use crate::names;

/// How many names an error message lists before "and N more".
const LIST_LIMIT: usize = 10;

/// Runs every check on `model`.
pub fn check(model: &Model, errors: &Errors) {
    // What parsing reported (a malformed `#[on(...)]`, a `#[cfg]` on a state, ...) may have
    // lost transitions: the graph checks would then report states as unreachable or without
    // a way out because of the same mistake.
    let parsed = errors.count() == 0;
    check_module_name(model, errors);
    check_states_once(model, errors);
    if !model.is_hierarchical() {
        check_one_initial(model, errors);
    }
    crate::hierarchy::check(model, errors);
    check_flags_once(model, errors);
    check_targets_exist(model, errors);
    check_choice_targets_once(model, errors);
    check_one_transition_per_event(model, errors);
    check_same_choice_everywhere(model, errors);
    check_terminal_states_have_no_transitions(model, errors);
    check_event_names(model, errors);
    check_state_names(model, errors);
    check_event_payloads(model, errors);
    check_hooks(model, errors);
    check_timeouts(model, errors);
    check_internal_events(model, errors);
    check_wire_field_names(model, errors);
    // The other mistakes leave the graph as written, with every edge in it (a nondeterministic
    // transition's both targets, a terminal state's transitions): a state unreachable even so
    // stays unreachable whichever edge the fix keeps.
    if parsed {
        check_all_reachable(model, errors);
        check_no_dead_ends(model, errors);
    }
}

/// The generated module's name, derived from the enum's (`Order` -> `order`), is usable: not a
/// keyword (`enum Match` would need `mod match`) and not empty (`enum __`).
fn check_module_name(model: &Model, errors: &Errors) {
    if let Some(derived) = &model.unusable_module {
        let stem = derived.trim_matches('_');
        let suggestion = if stem.is_empty() {
            "machine".to_owned()
        } else {
            format!("{stem}_machine")
        };
        let problem = if derived.is_empty() {
            format!("`{}` leaves no name for the generated module", model.ident)
        } else {
            format!("the generated module would be named `{derived}`, which cannot name a module")
        };
        errors.at(
            model.ident.span(),
            format!("{problem}; choose a name with `#[state_machine(module = {suggestion})]`"),
        );
    }
}

/// Each variant name is declared once. The model keeps the first declaration and `fallback`
/// emits the enum without the others, so the duplicate is reported here only.
fn check_states_once(model: &Model, errors: &Errors) {
    for (second, first) in &model.duplicates {
        errors.at(
            second.span(),
            format!(
                "`{first}` is already a state of `{}`, declared above; a state is declared once: remove this variant, or rename it",
                model.ident
            ),
        );
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

/// `#[initial]`, `#[terminal]`, `#[enter]` and `#[exit]` appear at most once on a variant.
fn check_flags_once(model: &Model, errors: &Errors) {
    for state in &model.states {
        for (spans, name) in [
            (&state.initial, "initial"),
            (&state.terminal, "terminal"),
            (&state.enter, "enter"),
            (&state.exit, "exit"),
        ] {
            for span in spans.iter().skip(1) {
                errors.at(*span, format!("duplicate `#[{name}]` on `{}`", state.ident));
            }
        }
    }
}

/// Every target names a state of the machine.
fn check_targets_exist(model: &Model, errors: &Errors) {
    let states: Vec<String> = model.states.iter().map(|s| names::text(&s.ident)).collect();
    // The composites are targets too; one with no states inside is reported by the hierarchy's
    // checks, and a typo may be meant for either.
    let composites: Vec<String> = model
        .composites
        .iter()
        .map(|c| names::text(&c.ident))
        .collect();
    let targets = || states.iter().chain(&composites).map(String::as_str);
    for t in model.transitions.iter().filter(|t| t.to.is_none()) {
        let name = names::text(&t.target);
        if composites.contains(&name) {
            continue;
        }
        let message = match names::did_you_mean(&name, targets()) {
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

/// A choice lists each target once.
fn check_choice_targets_once(model: &Model, errors: &Errors) {
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    for later in model.transitions.iter().filter(|t| t.group_len > 1) {
        if !seen.insert((later.group, names::text(&later.target))) {
            errors.at(
                later.target.span(),
                format!(
                    "`{}` is listed twice in the choice of `{}`; list each target once",
                    later.target, later.event_ident
                ),
            );
        }
    }
}

/// A state handles each event at most once: a second transition on the same event is either a
/// duplicate (same target) or nondeterministic (another target). (The targets of one choice
/// are one transition.)
fn check_one_transition_per_event(model: &Model, errors: &Errors) {
    let mut first_of: HashMap<(usize, usize), usize> = HashMap::new();
    for (j, later) in model.transitions.iter().enumerate() {
        let first = *first_of.entry((later.from, later.event)).or_insert(j);
        if model.transitions[first].group == later.group {
            continue;
        }
        let first = &model.transitions[first];
        let (state, event) = (&model.states[later.from].ident, &later.event_ident);
        let message = if first.group_len > 1 || later.group_len > 1 {
            format!(
                "`{state}` already handles `{event}`; a state handles an event once: to let it lead to several targets, make it one choice, like `{event} -> A | B`"
            )
        } else if names::text(&first.target) == names::text(&later.target) {
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
/// of the typed machine and (in UpperCamelCase) a variant of the event enum; no event shadows a
/// method users call on a machine (`names::RESERVED_METHODS`), no two events become the same
/// variant, and no event takes the name of a generated `<event>_with` method.
fn check_event_names(model: &Model, errors: &Errors) {
    for (event, problem) in model.events.iter().zip(event_name_problems(model)) {
        if let Some(problem) = problem {
            errors.at(event.ident.span(), problem);
        }
    }
}

/// For each event, what keeps its name from becoming a method and a variant, if anything (the
/// first problem found). `fallback` drops the events this reports.
pub fn event_name_problems(model: &Model) -> Vec<Option<String>> {
    let mut variants: HashMap<&str, &str> = HashMap::new();
    let by_name: HashMap<&str, usize> = model
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let mut problems = Vec::with_capacity(model.events.len());
    for event in &model.events {
        let name = event.name.as_str();
        let variant = event.camel.as_str();
        // A keyword names an event when written as a raw identifier (`r#loop`: the method is
        // `r#loop`, the event `loop`); the parser accepts no raw `self`, `super` or `crate`.
        let problem = if names::is_keyword(name) && !names::is_raw(&event.ident) {
            Some(if names::can_be_raw(name) {
                format!(
                    "`{name}` is a keyword and cannot name an event as written; write it as a raw identifier, `r#{name}`, or use another name, like `{name}_`"
                )
            } else {
                format!(
                    "`{name}` is a keyword and cannot name an event; use another name, like `{name}_`"
                )
            })
        } else if !names::is_snake_case(name) {
            let snake = names::to_snake(name);
            Some(
                if names::is_snake_case(&snake) && !names::is_keyword(&snake) {
                    format!(
                        "event names are snake_case because they name methods: write `{snake}` instead of `{name}`"
                    )
                } else {
                    format!(
                        "event names are snake_case because they name methods: a lowercase letter, then lowercase letters, digits and single underscores; `{name}` is not"
                    )
                },
            )
        } else if let Some((method, instead)) = names::reserved_method(name) {
            // `definition`, `from`, `try_from` and `default` take no `self`.
            let call = if matches!(name, "definition" | "from" | "try_from" | "default") {
                format!("`Machine::{name}(..)`")
            } else {
                format!("`machine.{name}()`")
            };
            Some(format!(
                "an event named `{name}` would shadow `{method}`: {call} would fire the event instead of calling the method; rename the event, for example `{instead}`"
            ))
        } else if !event.has_valid_camel() {
            Some(format!(
                "the event `{name}` would become the variant `Event::{variant}`, which is not a valid name; use another name"
            ))
        } else if let Some(other) = variants.insert(variant, name) {
            Some(format!(
                "the events `{other}` and `{name}` both become the variant `Event::{variant}`; rename one of them"
            ))
        } else {
            let clash = name
                .strip_suffix("_with")
                .filter(|base| by_name.get(base).is_some_and(|&b| model.has_with_method(b)));
            clash.map(|base| format!("the event `{name}` clashes with the method `{name}` that builds `{base}`'s target from the current state; rename it"))
        };
        problems.push(problem);
    }
    problems
}

/// No state takes a name that the generated module uses for something else.
fn check_state_names(model: &Model, errors: &Errors) {
    let traits: HashMap<String, &str> = model
        .events
        .iter()
        .map(|e| (e.trait_name(), e.name.as_str()))
        .collect();
    for state in &model.states {
        let name = names::text(&state.ident);
        let what = if MODULE_TYPES.contains(&name.as_str()) {
            Some(format!("the generated type `{}::{name}`", model.module))
        } else if MODULE_VALUES.contains(&name.as_str()) {
            Some(format!("the generated item `{}::{name}`", model.module))
        } else {
            traits
                .get(&name)
                .map(|event| format!("the generated trait for the event `{event}`"))
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
///
/// Transitions that another check reports are left out, so that one mistake is one error: a
/// second transition on the same event from the same state (nondeterministic or duplicate),
/// and a timeout into a state with data (whose event, `timeout`, the user may never have
/// written).
fn check_event_payloads(model: &Model, errors: &Errors) {
    let mut first_of: HashMap<(usize, usize), usize> = HashMap::new();
    let counted: Vec<bool> = model
        .transitions
        .iter()
        .map(|t| {
            let first = *first_of.entry((t.from, t.event)).or_insert(t.group);
            let timeout_into_data =
                t.timeout.is_some() && t.to.is_some_and(|to| model.states[to].has_data());
            first == t.group && !timeout_into_data
        })
        .collect();
    let counted = || model.transitions.iter().zip(&counted).filter(|(_, c)| **c);
    for (e, event) in model.events.iter().enumerate() {
        if *model.kind(e) != Kind::Plain {
            continue; // a choice's or a guard's variant carries any target's data
        }
        let mut targets: Vec<usize> = Vec::new();
        for (t, _) in counted().filter(|(t, _)| t.event == e) {
            if let Some(to) = t.to.filter(|to| !targets.contains(to)) {
                targets.push(to);
            }
        }
        if targets.len() < 2 {
            continue;
        }
        let Some(&with_data) = targets.iter().find(|&&t| model.states[t].has_data()) else {
            continue;
        };
        // Point at the first transition that disagrees with the first target.
        let first = targets[0];
        let Some((other, _)) =
            counted().find(|(t, _)| t.event == e && t.to.is_some_and(|to| to != first))
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

/// A choice or a guard is the same in every state that handles the event: the event's typed
/// method and its variant in the event enum carry the choice, so they must mean one thing.
fn check_same_choice_everywhere(model: &Model, errors: &Errors) {
    if !model
        .transitions
        .iter()
        .any(|t| t.group_len > 1 || t.guard.is_some())
    {
        return; // no choice, no guard: nothing to compare (and no quadratic work)
    }
    let mut shapes: HashMap<usize, String> = HashMap::new();
    for t in &model.transitions {
        let shape = shapes.entry(t.group).or_default();
        if !shape.is_empty() {
            shape.push_str(" | ");
        }
        shape.push_str(&names::text(&t.target));
    }
    for t in model.transitions.iter().filter(|t| t.guard.is_some()) {
        if let Some(shape) = shapes.get_mut(&t.group) {
            if !shape.ends_with('?') {
                shape.push('?');
            }
        }
    }
    let mut first_shape: HashMap<usize, (usize, String)> = HashMap::new();
    let mut first_in_state: HashMap<(usize, usize), usize> = HashMap::new();
    let mut reported = Vec::new();
    for t in &model.transitions {
        // A second group of the event in the same state is reported as handled twice.
        if *first_in_state.entry((t.from, t.event)).or_insert(t.group) != t.group {
            continue;
        }
        if reported.contains(&t.group) {
            continue;
        }
        let shape = shapes.get(&t.group).cloned().unwrap_or_default();
        let (first_group, first) = first_shape
            .entry(t.event)
            .or_insert_with(|| (t.group, shape.clone()));
        if *first_group == t.group || *first == shape {
            continue;
        }
        let first = first.clone();
        let special = |s: &str| s.contains('|') || s.ends_with('?');
        if !special(&first) && !special(&shape) {
            continue; // plain transitions may lead to different targets from different states
        }
        reported.push(t.group);
        let (event, state) = (&t.event_ident, &model.states[t.from].ident);
        let first_state = model
            .transitions
            .iter()
            .find(|u| u.group == *first_group)
            .map(|u| model.states[u.from].ident.to_string())
            .unwrap_or_default();
        errors.at(
            event.span(),
            format!(
                "`{event}` is `{event} -> {first}` in `{first_state}` but `{event} -> {shape}` in `{state}`; a choice or a guard must be the same in every state that handles the event (use another event name for another choice)"
            ),
        );
    }
}

/// Hooks: a terminal state is never left, so it has no exit hook; two marked states do not
/// share a hook name (`enter_http_error` for both `HttpError` and `HTTPError`).
fn check_hooks(model: &Model, errors: &Errors) {
    let mut names: HashMap<String, &syn::Ident> = HashMap::new();
    for state in &model.states {
        if let (Some(span), false) = (state.exit.first(), state.terminal.is_empty()) {
            errors.at(
                *span,
                format!(
                    "`{}` is `#[terminal]`, so it is never left and its exit hook would never run; remove the `#[exit]`",
                    state.ident
                ),
            );
        }
        if state.enter.is_empty() && state.exit.is_empty() {
            continue;
        }
        let snake = names::to_snake(&names::text(&state.ident));
        if let Some(other) = names.insert(snake.clone(), &state.ident) {
            errors.at(
                state.ident.span(),
                format!(
                    "`{other}` and `{}` would both have the hooks `enter_{snake}`/`exit_{snake}`; rename one of them",
                    state.ident
                ),
            );
        }
    }
}

/// Timeouts: at most one per state, none on a terminal state (it never leaves), none into a
/// state with data (a timeout has no data to give it); under `timeouts = required`, every state
/// that is not terminal has one or says why not with `#[no_timeout(reason = "...")]`, and no
/// state has both.
fn check_timeouts(model: &Model, errors: &Errors) {
    for state in &model.states {
        for span in state.timeouts.iter().skip(1) {
            errors.at(
                *span,
                format!(
                    "`{}` already has a timeout; a state has at most one",
                    state.ident
                ),
            );
        }
        let terminal = !state.terminal.is_empty();
        if let (Some(span), true) = (state.timeouts.first(), terminal) {
            errors.at(
                *span,
                format!(
                    "`{}` is `#[terminal]`, so it never leaves and a timeout would never fire; remove the `#[timeout]`",
                    state.ident
                ),
            );
        }
        if let (Some(_), Some(span)) = (state.timeouts.first(), state.no_timeout.first()) {
            errors.at(
                *span,
                format!(
                    "`{}` has a timeout and `#[no_timeout]`; keep one of them",
                    state.ident
                ),
            );
        }
        let inherits_one = || {
            model
                .transitions
                .iter()
                .any(|t| t.timeout.is_some() && model.states[t.from].ident == state.ident)
        };
        if model.timeouts_required
            && !terminal
            && state.timeouts.is_empty()
            && !inherits_one()
            && state.no_timeout.is_empty()
        {
            errors.at(
                state.ident.span(),
                format!(
                    "`{}` has no timeout, and `timeouts = required` asks every state that is not terminal for one: add `#[timeout(30s -> State)]`, or `#[no_timeout(reason = \"...\")]` to say why it may wait forever",
                    state.ident
                ),
            );
        }
    }
    for t in model.transitions.iter().filter(|t| t.timeout.is_some()) {
        if let Some(to) = t.to.filter(|&to| model.states[to].has_data()) {
            errors.at(
                t.target.span(),
                format!(
                    "a timeout fires without data, so it cannot lead to `{}`, which carries data; lead it to a state without fields",
                    model.states[to].ident
                ),
            );
        }
    }
}

/// Each name in `internal(...)` is an event of the machine, listed once.
fn check_internal_events(model: &Model, errors: &Errors) {
    let events: Vec<&str> = model.events.iter().map(|e| e.name.as_str()).collect();
    for ident in &model.internal_unknown {
        let name = names::text(ident);
        let hint = match names::did_you_mean(&name, events.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None if events.is_empty() => "the machine has no events".to_owned(),
            None => format!("its events are {}", names::list(&events, LIST_LIMIT)),
        };
        errors.at(
            ident.span(),
            format!(
                "`internal(...)` names `{name}`, which is not an event of `{}`; {hint}",
                model.ident
            ),
        );
    }
    for ident in &model.internal_repeated {
        errors.at(
            ident.span(),
            format!(
                "`{}` is already listed in `internal(...)`; remove this one",
                names::text(ident)
            ),
        );
    }
}

/// With generated serde impls, an event's object holds `"type"` (the event's name) and, for a
/// choice or a guard, `"to"` (the target), beside the target's fields: no field may take
/// those names.
fn check_wire_field_names(model: &Model, errors: &Errors) {
    if !model.wire.any() {
        return;
    }
    let mut reported = HashSet::new();
    for (e, event) in model.events.iter().enumerate() {
        let (targets, keys): (Vec<usize>, &[&str]) = match model.kind(e) {
            Kind::Choice(targets) => (targets.clone(), &["type", "to"]),
            Kind::Guard(t) => (vec![*t], &["type", "to"]),
            Kind::Plain => (model.single_target(e).into_iter().collect(), &["type"]),
        };
        for t in targets {
            for field in model.states[t].fields.iter() {
                let Some(ident) = &field.ident else { continue };
                let name = names::text(ident);
                if keys.contains(&name.as_str()) && reported.insert((t, name.clone())) {
                    let state = names::text(&model.states[t].ident);
                    let form = if name == "to" {
                        format!("{{\"type\": \"{}\", \"to\": \"{state}\", ...}}", event.name)
                    } else {
                        format!("{{\"type\": \"{}\", ...}}", event.name)
                    };
                    errors.at(
                        ident.span(),
                        format!(
                            "the field `{name}` of `{state}` clashes with the `\"{name}\"` of the event `{}` when it is serialized (`{form}`); rename the field",
                            event.name
                        ),
                    );
                }
            }
        }
    }
}

/// Every state can be reached from the initial state. Not checked when the initial state is
/// unknown (none or several are marked `#[initial]`), when a variant is declared twice, or when a transition reachable from it
/// leads to an unknown state (which state it was meant to be decides what is reachable): those
/// mistakes are reported, and this check waits for the next build.
fn check_all_reachable(model: &Model, errors: &Errors) {
    let marked = model.states.iter().filter(|s| !s.initial.is_empty());
    let initial_known = if model.is_hierarchical() {
        crate::hierarchy::initials_known(model)
    } else {
        marked.count() == 1
    };
    // A variant declared twice loses its transitions (the first declaration is the state), and
    // whether the fix renames or removes it decides what they reach.
    if !initial_known || !model.duplicates.is_empty() {
        return;
    }
    let initial = model.initial();
    let mut reached = vec![false; model.states.len()];
    reached[initial] = true;
    let mut queue = VecDeque::from([initial]);
    let ranges = model.transition_ranges();
    // The composites' transitions some state inherits, as (composite, event).
    let inherited: HashSet<(usize, usize)> = model
        .transitions
        .iter()
        .filter_map(|t| Some((t.origin?, t.event)))
        .collect();
    while let Some(state) = queue.pop_front() {
        let (first, count) = ranges[state];
        let own = &model.transitions[first..first + count];
        // The composites' transitions as written count too, including one that repeats an
        // event or that every state inside overrides (both reported, and not inherited): the
        // graph as written, as for a flat machine. But not one that this state (or a composite
        // nearer to it) overrides while other states inherit it: that is no mistake, and this
        // state never takes it.
        let ancestors = model.ancestors(crate::hierarchy::NodeRef::State(state));
        let inherited = &inherited;
        let level = |origin: Option<usize>| {
            origin.map_or(0, |c| {
                1 + ancestors.iter().position(|&a| a == c).unwrap_or(0)
            })
        };
        let written = ancestors.iter().enumerate().flat_map(|(k, &c)| {
            model.declared[c].iter().filter(move |t| {
                !inherited.contains(&(c, t.event))
                    || !own
                        .iter()
                        .any(|u| u.event == t.event && level(u.origin) <= k)
            })
        });
        for t in own.iter().chain(written) {
            match t.to {
                Some(to) if !reached[to] => {
                    reached[to] = true;
                    queue.push_back(to);
                }
                Some(_) => {}
                None => return, // an unknown target, reachable: any state may be meant
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
    let mut has_way_out = vec![false; model.states.len()];
    for t in &model.transitions {
        has_way_out[t.from] = true;
    }
    for (i, state) in model.states.iter().enumerate() {
        if state.terminal.is_empty() && !has_way_out[i] {
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
