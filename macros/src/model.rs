//! The machine as a model: states, events and transitions, each pointing at the user's tokens.
//!
//! Building the model resolves names (events are interned in order of first appearance, targets
//! are looked up among the states) but checks nothing: a target that names no state is kept
//! with `to: None` for `validate` to report. Code is generated only from a model that passed
//! validation, or that `fallback` repaired.

use std::collections::HashMap;

use proc_macro2::Span;
use quote::format_ident;
use syn::ext::IdentExt;
use syn::visit_mut::VisitMut;
use syn::{Field, Fields, Ident, Path, PathArguments, PathSegment, Visibility};

use crate::names;
use crate::parse::{Docs, Input, VariantInput};

pub struct Model {
    pub ident: Ident,
    pub vis: Visibility,
    pub docs: Docs,
    /// The generated module's name.
    pub module: Ident,
    /// The module name derived from the enum's when it cannot name a module (`match` for
    /// `enum Match`, nothing for `enum __`); `module` is then a placeholder and `validate`
    /// reports it.
    pub unusable_module: Option<String>,
    /// The path of the `statewright` crate.
    pub krate: Path,
    /// Derives for the generated state types and event enum.
    pub derives: Vec<Path>,
    /// The `Serialize` and `Deserialize` among the `derive(...)` option's derives (any path
    /// ending in those names): the state types derive them, while the event enum and the
    /// choice enums get generated impls of the wire form instead.
    pub wire: Wire,
    /// Whether `Debug` is among `derives` (the typed machines then implement `Debug` too).
    pub debug: bool,
    /// How many of `derives` are the enum's own (the rest come from the `derive(...)` option).
    pub std_derive_count: usize,
    /// Whether field attributes other than docs are copied onto generated fields (when the user
    /// asked for extra derives, whose helper attributes those are).
    pub copy_field_attrs: bool,
    /// The shared context's type as written (`context = OrderInfo`), if any.
    pub context: Option<syn::Type>,
    /// Whether the machine has hooks: a state is marked `#[enter]`/`#[exit]`, or the `hooks`
    /// option is set.
    pub hooks: bool,
    /// The span of the `hooks` option, if it is given.
    pub hooks_option: Option<Span>,
    /// `#[state_machine(async)]`: typed transitions for awaited recorders, and `async` exit
    /// hooks and transition actions.
    pub is_async: bool,
    /// `timeouts = required`.
    pub timeouts_required: bool,
    /// Whether `fallback` repaired the model: the `Hooks` trait is then emitted with every
    /// method provided and nothing calls it, so that the user's impl adds no error to the
    /// definition's own. Its `Error` is still the user's (it decides what transitions return),
    /// so a missing impl is reported, once, at the context type.
    pub repaired: bool,
    pub states: Vec<State>,
    pub events: Vec<Event>,
    /// In declaration order, which groups them by source state. A choice `e -> A | B` is one
    /// transition per target, with the same `group`.
    pub transitions: Vec<Transition>,
    /// Per event: the distinct states it leads to and leaves, in declaration order (see
    /// [`Model::index`]).
    targets: Vec<Vec<usize>>,
    sources: Vec<Vec<usize>>,
    /// Per event: what its transitions look like (see [`Model::kind`]).
    kinds: Vec<Kind>,
    /// Type aliases emitted next to the enum, for field types that name something the
    /// generated module shadows (a state named `Option` hides the prelude's `Option` inside
    /// the module): the field's type inside the module is then `super::<alias>`.
    pub aliases: Vec<(Ident, syn::Type)>,
    /// Variants declared again under a state's name: the second declaration and the first.
    /// The model has the first only.
    pub duplicates: Vec<(Ident, Ident)>,
    /// The names in `internal(...)` that name no event, for `validate` to report.
    pub internal_unknown: Vec<Ident>,
    /// The names `internal(...)` lists a second time.
    pub internal_repeated: Vec<Ident>,
    /// The composite states, in declaration order (none for a flat machine).
    pub composites: Vec<crate::hierarchy::Composite>,
    /// Per composite, its transitions as written (`from` unused): `transitions` holds their
    /// copies in the states that inherit them.
    pub declared: Vec<Vec<Transition>>,
    /// What resolving the hierarchy found wrong, for `validate`.
    pub hierarchy_problems: crate::hierarchy::Problems,
}

/// The serde derives the user asked for, as written (their spans point errors at them).
#[derive(Default)]
pub struct Wire {
    pub serialize: Option<Path>,
    pub deserialize: Option<Path>,
}

impl Wire {
    /// Whether the event enum gets any generated serde impl.
    pub fn any(&self) -> bool {
        self.serialize.is_some() || self.deserialize.is_some()
    }
}

/// What an event's transitions look like. Validation makes every transition of a choice or a
/// guarded event look the same, so the first one's shape is the event's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One target per state (possibly different targets from different states).
    Plain,
    /// A choice between these targets (`pay -> Paid | Declined`), the same from every state.
    Choice(Vec<usize>),
    /// A guarded transition to this target (`pay -> Paid?`), the same from every state.
    Guard(usize),
}

pub struct State {
    pub ident: Ident,
    pub docs: Docs,
    /// The variant's fields, with types rewritten to resolve from inside the generated module.
    pub fields: Fields,
    pub initial: Vec<Span>,
    pub terminal: Vec<Span>,
    /// The spans of its `#[enter]` attributes.
    pub enter: Vec<Span>,
    /// The spans of its `#[exit]` attributes.
    pub exit: Vec<Span>,
    /// The spans of its `#[timeout(...)]` attributes (their transitions are in the model's
    /// transitions, marked with `timeout`).
    pub timeouts: Vec<Span>,
    /// Its `#[no_timeout(reason = "...")]` attributes.
    pub no_timeout: Vec<Span>,
    /// The spans of its `#[on(...)]` attributes.
    pub on: Vec<Span>,
    /// The composite it is directly inside (`#[parent(...)]`), if the name resolved.
    pub parent: Option<usize>,
}

pub struct Event {
    /// The event's name where it first appears, as written (`r#loop`): the typed method.
    pub ident: Ident,
    /// The name without `r#` (`loop`): in records, definitions, diagrams and derived names.
    pub name: String,
    /// The name in UpperCamelCase (`time_wait` -> `TimeWait`), computed once.
    pub camel: String,
    /// Named in `internal(...)`. (A timeout's event is internal too: see
    /// [`Model::is_internal`].)
    pub internal: bool,
}

#[derive(Clone)]
pub struct Transition {
    pub from: usize,
    pub event: usize,
    /// The event's name at this transition.
    pub event_ident: Ident,
    /// The target as written.
    pub target: Ident,
    /// The target state, if the name resolves.
    pub to: Option<usize>,
    /// Which `event -> targets` item of the definition this comes from: the targets of a
    /// choice share it.
    pub group: usize,
    /// How many targets the item has (more than one: a choice).
    pub group_len: usize,
    /// The `?` of a guarded transition.
    pub guard: Option<Span>,
    /// For a state's timeout: milliseconds and resume policy (0 deadline, 1 remaining,
    /// 2 restart).
    pub timeout: Option<(u64, u8)>,
    /// The composite it is inherited from (declared on), `None` for a state's own.
    pub origin: Option<usize>,
    /// The composite it targets as written, if it targets one (`to` is then the state the
    /// composite's initial children lead to).
    pub target_composite: Option<usize>,
    /// How many nodes it leaves, from the source state outwards (hierarchical machines only;
    /// see `hierarchy`).
    pub exits: u32,
}

/// The names the generated module defines besides the state types; a state type with one of
/// these names would clash, and field types that use them are rewritten to `super::Name`.
pub const MODULE_TYPES: &[&str] = &["Event", "Machine", "Typed", "Dynamic", "Hooks"];

/// The value names the generated module defines.
pub const MODULE_VALUES: &[&str] = &["start", "start_with", "DEFINITION"];

impl Model {
    pub fn build(input: &Input) -> Model {
        // The default module name is the enum's in snake_case (a `module = ...` option was
        // checked by the option parser).
        let mut unusable_module = None;
        let module = input.options.module.clone().unwrap_or_else(|| {
            let snake = names::to_snake(&names::text(&input.ident));
            if names::is_usable_name(&snake) {
                Ident::new(&snake, input.ident.span())
            } else {
                unusable_module = Some(snake);
                format_ident!("__statewright_module")
            }
        });
        let mut derives = input.std_derives.clone();
        for extra in &input.options.derives {
            let text = |p: &Path| quote::ToTokens::to_token_stream(p).to_string();
            if !derives.iter().any(|d| text(d) == text(extra)) {
                derives.push(extra.clone());
            }
        }
        let debug = derives
            .iter()
            .any(|p| p.segments.last().is_some_and(|s| s.ident == "Debug"));

        // A variant declared twice is one state, the first: validation reports the second, and
        // neither its transitions nor its name reach the model.
        let mut state_index: HashMap<String, usize> = HashMap::new();
        let mut variants = Vec::with_capacity(input.variants.len());
        let mut duplicates = Vec::new();
        for v in &input.variants {
            match state_index.get(&names::text(&v.ident)) {
                Some(&first) => {
                    let first: &VariantInput = variants[first];
                    duplicates.push((v.ident.clone(), first.ident.clone()));
                }
                None => {
                    state_index.insert(names::text(&v.ident), variants.len());
                    variants.push(v);
                }
            }
        }

        let mut events: Vec<Event> = Vec::new();
        let mut event_index: HashMap<String, usize> = HashMap::new();
        // Events in order of first appearance.
        let mut intern = |ident: &Ident| -> usize {
            let name = names::text(ident);
            *event_index.entry(name.clone()).or_insert_with(|| {
                events.push(Event {
                    ident: ident.clone(),
                    camel: names::to_camel(&name),
                    name,
                    internal: false,
                });
                events.len() - 1
            })
        };
        let mut transitions = Vec::new();
        let mut group = 0;
        for (from, variant) in variants.iter().enumerate() {
            // Each `event -> targets` as written, then the state's timeouts (so transitions
            // stay grouped by source state).
            let written = variant
                .on
                .iter()
                .flat_map(|on| &on.transitions)
                .map(|t| (&t.event, t.targets.as_slice(), t.guard, None))
                .chain(variant.timeouts.iter().map(|t| {
                    let target = std::slice::from_ref(&t.target);
                    (&t.event, target, None, Some((t.millis, t.resume)))
                }));
            for (event_ident, targets, guard, timeout) in written {
                let event = intern(event_ident);
                for target in targets {
                    transitions.push(Transition {
                        from,
                        event,
                        event_ident: event_ident.clone(),
                        target: target.clone(),
                        to: state_index.get(&names::text(target)).copied(),
                        group,
                        group_len: targets.len(),
                        guard,
                        timeout,
                        origin: None,
                        target_composite: None,
                        exits: 0,
                    });
                }
                group += 1;
            }
        }

        // `internal(...)`: each name an event, once.
        let mut internal_unknown = Vec::new();
        let mut internal_repeated = Vec::new();
        let mut listed = std::collections::HashSet::new();
        for ident in &input.options.internal {
            let name = names::text(ident);
            if !listed.insert(name.clone()) {
                internal_repeated.push(ident.clone());
            } else if let Some(&e) = event_index.get(&name) {
                events[e].internal = true;
            } else {
                internal_unknown.push(ident.clone());
            }
        }
        let ends_with = |p: &Path, name: &str| p.segments.last().is_some_and(|s| s.ident == name);
        let wire = Wire {
            serialize: input
                .options
                .derives
                .iter()
                .find(|p| ends_with(p, "Serialize"))
                .cloned(),
            deserialize: input
                .options
                .derives
                .iter()
                .find(|p| ends_with(p, "Deserialize"))
                .cloned(),
        };

        let mut model = Model {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            docs: input.docs.clone(),
            module,
            unusable_module,
            krate: input.options.krate.clone(),
            derives,
            wire,
            debug,
            std_derive_count: input.std_derives.len(),
            copy_field_attrs: !input.options.derives.is_empty(),
            states: Vec::new(),
            context: input.options.context.clone(),
            hooks: input.options.hooks.is_some()
                || variants
                    .iter()
                    .any(|v| !v.enter.is_empty() || !v.exit.is_empty()),
            hooks_option: input.options.hooks,
            is_async: input.options.is_async.is_some(),
            repaired: false,
            timeouts_required: input.options.timeouts_required,
            events,
            transitions,
            targets: Vec::new(),
            sources: Vec::new(),
            kinds: Vec::new(),
            aliases: Vec::new(),
            duplicates,
            internal_unknown,
            internal_repeated,
            composites: Vec::new(),
            declared: Vec::new(),
            hierarchy_problems: Default::default(),
        };
        let mut shadowed: Vec<String> = MODULE_TYPES.iter().map(|s| (*s).to_owned()).collect();
        shadowed.extend(variants.iter().map(|v| v.ident.unraw().to_string()));
        shadowed.extend(model.events.iter().map(Event::trait_name));
        let mut aliases = Vec::new();
        model.states = variants
            .iter()
            .map(|v| State {
                ident: v.ident.clone(),
                docs: v.docs.clone(),
                fields: rewrite_fields(
                    &v.fields,
                    &Shadow {
                        names: &shadowed,
                        enum_ident: &input.ident,
                        prefix: format!(
                            "__statewright_{}_{}",
                            model.module.unraw(),
                            v.ident.unraw()
                        ),
                    },
                    &mut aliases,
                ),
                initial: v.initial.clone(),
                terminal: v.terminal.clone(),
                enter: v.enter.clone(),
                exit: v.exit.clone(),
                timeouts: v.timeout_spans.clone(),
                no_timeout: v.no_timeout.iter().map(|(span, _)| *span).collect(),
                on: v.on.iter().map(|o| o.span).collect(),
                parent: None,
            })
            .collect();
        model.aliases = aliases;
        crate::hierarchy::resolve(&mut model, input);
        model.index();
        model
    }

    /// The derives for a state without data: `Debug` if the enum derives it, and the
    /// `derive(...)` option's.
    pub fn unit_derives(&self) -> Vec<Path> {
        self.derives
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                *i >= self.std_derive_count || p.segments.last().is_some_and(|s| s.ident == "Debug")
            })
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// The derives of the event enum and the choice enums: `derives` without `Serialize` and
    /// `Deserialize`, whose impls are generated (the wire form).
    pub fn event_derives(&self) -> Vec<Path> {
        let serde = |p: &Path| {
            p.segments
                .last()
                .is_some_and(|s| s.ident == "Serialize" || s.ident == "Deserialize")
        };
        self.derives.iter().filter(|p| !serde(p)).cloned().collect()
    }

    /// Whether `event` is internal: the machine raises it itself (it is a timeout's event, or
    /// named in `internal(...)`), so it is not taken from outside.
    pub fn is_internal(&self, event: usize) -> bool {
        self.events.get(event).is_some_and(|e| e.internal)
            || self
                .transitions
                .iter()
                .any(|t| t.event == event && t.timeout.is_some())
    }

    /// The initial state (the first one marked, else the first state; in a hierarchical
    /// machine, the state the top level's initial node leads to).
    pub fn initial(&self) -> usize {
        if self.is_hierarchical() {
            return self
                .initial_child(None)
                .and_then(|n| self.entry_state(n))
                .unwrap_or(0);
        }
        self.states
            .iter()
            .position(|s| !s.initial.is_empty())
            .unwrap_or(0)
    }

    /// Computes the per-event lists of targets and sources, in one pass over the transitions;
    /// called again whenever the transitions change.
    pub fn index(&mut self) {
        let mut targets = vec![Vec::new(); self.events.len()];
        let mut sources = vec![Vec::new(); self.events.len()];
        let mut seen_target = HashMap::new();
        let mut seen_source = HashMap::new();
        for t in &self.transitions {
            if let Some(to) = t.to {
                if seen_target.insert((t.event, to), ()).is_none() {
                    targets[t.event].push(to);
                }
            }
            if seen_source.insert((t.event, t.from), ()).is_none() {
                sources[t.event].push(t.from);
            }
        }
        self.targets = targets;
        self.sources = sources;
        let mut kinds = vec![None; self.events.len()];
        for t in &self.transitions {
            if kinds[t.event].is_some() {
                continue;
            }
            kinds[t.event] = Some(if let (Some(to), Some(_)) = (t.to, t.guard) {
                Kind::Guard(to)
            } else if t.group_len > 1 {
                Kind::Choice(
                    self.transitions
                        .iter()
                        .filter(|u| u.group == t.group)
                        .filter_map(|u| u.to)
                        .collect(),
                )
            } else {
                Kind::Plain
            });
        }
        self.kinds = kinds
            .into_iter()
            .map(|k| k.unwrap_or(Kind::Plain))
            .collect();
    }

    /// Whether `event` has a `<event>_with` method: its target carries data, or it is a
    /// choice or a guard (whose `_with` decides from the current state).
    pub fn has_with_method(&self, event: usize) -> bool {
        match self.kind(event) {
            Kind::Plain => self
                .single_target(event)
                .is_some_and(|t| self.states[t].has_data()),
            Kind::Choice(_) | Kind::Guard(_) => true,
        }
    }

    /// What `event`'s transitions look like.
    pub fn kind(&self, event: usize) -> &Kind {
        self.kinds.get(event).unwrap_or(&Kind::Plain)
    }

    /// The name of the generated enum of a choice between `targets`: `PaidOrDeclined`.
    pub fn choice_name(&self, targets: &[usize]) -> Ident {
        let name: Vec<String> = targets
            .iter()
            .map(|&t| names::text(&self.states[t].ident))
            .collect();
        let span = targets
            .first()
            .map_or_else(Span::call_site, |&t| self.states[t].ident.span());
        let name = name.join("Or");
        if names::is_usable_name(&name) {
            Ident::new(&name, span)
        } else {
            // Never for names that are identifiers already; never a panic either.
            format_ident!("__Choice{}", name.len(), span = span)
        }
    }

    /// The distinct states `event` leads to, in declaration order.
    pub fn targets(&self, event: usize) -> &[usize] {
        self.targets.get(event).map_or(&[], Vec::as_slice)
    }

    /// The states `event` leaves, in declaration order.
    pub fn sources(&self, event: usize) -> &[usize] {
        self.sources.get(event).map_or(&[], Vec::as_slice)
    }

    /// The one state `event` leads to, when it always leads to the same state.
    pub fn single_target(&self, event: usize) -> Option<usize> {
        match self.targets(event) {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The index of the first transition of each state, and how many it has (transitions are
    /// grouped by source state, in declaration order).
    pub fn transition_ranges(&self) -> Vec<(usize, usize)> {
        let mut ranges = vec![(0, 0); self.states.len()];
        for (i, t) in self.transitions.iter().enumerate().rev() {
            let r = &mut ranges[t.from];
            r.0 = i;
            r.1 += 1;
        }
        let mut next = 0;
        for r in &mut ranges {
            if r.1 == 0 {
                r.0 = next;
            }
            next = r.0 + r.1;
        }
        ranges
    }
}

impl Event {
    /// Whether the UpperCamelCase name can be an identifier (it cannot for `_9` or `__`,
    /// which validation reports and repair drops before code is generated).
    pub fn has_valid_camel(&self) -> bool {
        names::is_usable_name(&self.camel)
    }

    /// The event enum's variant: `time_wait` -> `TimeWait`.
    pub fn variant(&self) -> Ident {
        if self.has_valid_camel() {
            Ident::new(&self.camel, self.ident.span())
        } else {
            // Never generated from (see `has_valid_camel`); a name that cannot clash.
            format_ident!("__Invalid{}", self.camel.len())
        }
    }

    /// The trait implemented by the states that handle the event: `pay` -> `CanPay`.
    pub fn trait_name(&self) -> String {
        format!("Can{}", self.camel)
    }

    /// The trait as an identifier.
    pub fn trait_ident(&self) -> Ident {
        let name = self.trait_name();
        if names::is_identifier(&name) {
            Ident::new(&name, self.ident.span())
        } else {
            format_ident!("__InvalidCan{}", self.camel.len())
        }
    }

    /// The method that builds the target state from the source state: `pay` -> `pay_with`.
    pub fn with_ident(&self) -> Ident {
        format_ident!("{}_with", self.name, span = self.ident.span())
    }
}

impl State {
    /// Whether the state carries data.
    pub fn has_data(&self) -> bool {
        !self.fields.is_empty()
    }
}

/// What a field type may not name as written inside the generated module.
struct Shadow<'a> {
    /// The names the module defines (its own types, the state types, the event traits).
    names: &'a [String],
    enum_ident: &'a Ident,
    /// The start of the names of this state's aliases.
    prefix: String,
}

/// The variant's fields as fields of a generated struct: public, with types that resolve the
/// same way from inside the generated module. A type that names something the module shadows
/// (`Option` when a state is named `Option`) becomes an alias declared next to the enum, where
/// the name means what the user meant, and the field refers to it as `super::<alias>`.
fn rewrite_fields(
    fields: &Fields,
    shadow: &Shadow,
    aliases: &mut Vec<(Ident, syn::Type)>,
) -> Fields {
    let mut fields = fields.clone();
    for (i, field) in fields.iter_mut().enumerate() {
        let span = field_span(field);
        field.vis = Visibility::Public(syn::token::Pub(span));
        let mut finder = Finder {
            names: shadow.names,
            found: false,
        };
        finder.visit_type_mut(&mut field.ty.clone());
        if finder.found {
            let mut ty = field.ty.clone();
            SelfToEnum(shadow.enum_ident).visit_type_mut(&mut ty);
            let ty_span = syn::spanned::Spanned::span(&field.ty);
            let alias = format_ident!("{}_{}", shadow.prefix, i, span = ty_span);
            field.ty = syn::parse_quote_spanned!(ty_span=> super::#alias);
            aliases.push((alias, ty));
        } else {
            Rewriter {
                enum_ident: shadow.enum_ident,
            }
            .visit_type_mut(&mut field.ty);
        }
    }
    fields
}

/// Finds a path whose first segment is one of `names` (it reads the type; `VisitMut` is the
/// only visitor the crate enables).
struct Finder<'a> {
    names: &'a [String],
    found: bool,
}

impl VisitMut for Finder<'_> {
    fn visit_path_mut(&mut self, path: &mut Path) {
        if path.leading_colon.is_none()
            && path
                .segments
                .first()
                .is_some_and(|s| self.names.contains(&s.ident.unraw().to_string()))
        {
            self.found = true;
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// Replaces `Self` with the enum, for a type written next to the enum outside its body.
struct SelfToEnum<'a>(&'a Ident);

impl VisitMut for SelfToEnum<'_> {
    fn visit_path_mut(&mut self, path: &mut Path) {
        if let Some(first) = path.segments.first_mut() {
            if path.leading_colon.is_none() && first.ident == "Self" {
                first.ident = self.0.clone();
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

fn field_span(field: &Field) -> Span {
    field
        .ident
        .as_ref()
        .map_or_else(|| syn::spanned::Spanned::span(&field.ty), Ident::span)
}

/// Rewrites paths in field types so that they mean, inside the generated module, what they mean
/// next to the enum: `super::X` becomes `super::super::X`, `self::X` becomes `super::X`, and
/// `Self` becomes the enum. (Types that name what the module shadows are aliased instead.)
struct Rewriter<'a> {
    enum_ident: &'a Ident,
}

impl VisitMut for Rewriter<'_> {
    fn visit_type_path_mut(&mut self, ty: &mut syn::TypePath) {
        if let Some(qself) = &mut ty.qself {
            self.visit_type_mut(&mut qself.ty);
            for segment in &mut ty.path.segments {
                self.visit_path_arguments_mut(&mut segment.arguments);
            }
            return;
        }
        self.visit_path_mut(&mut ty.path);
    }

    fn visit_path_mut(&mut self, path: &mut Path) {
        for segment in &mut path.segments {
            self.visit_path_arguments_mut(&mut segment.arguments);
        }
        if path.leading_colon.is_some() {
            return;
        }
        let Some(first) = path.segments.first() else {
            return;
        };
        let span = first.ident.span();
        let name = first.ident.to_string();
        let super_segment = || PathSegment {
            ident: Ident::new("super", span),
            arguments: PathArguments::None,
        };
        if name == "Self" {
            let mut segments = path.segments.clone().into_iter().collect::<Vec<_>>();
            segments[0] = PathSegment {
                ident: self.enum_ident.clone(),
                arguments: std::mem::replace(&mut segments[0].arguments, PathArguments::None),
            };
            segments.insert(0, super_segment());
            path.segments = segments.into_iter().collect();
        } else if name == "self" {
            path.segments[0].ident = Ident::new("super", span);
        } else if name == "super" {
            path.segments.insert(0, super_segment());
        }
    }
}
