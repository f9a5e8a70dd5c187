//! The machine as a model: states, events and transitions, each pointing at the user's tokens.
//!
//! Building the model resolves names (events are interned in order of first appearance, targets
//! are looked up among the states) but checks nothing: a target that names no state is kept
//! with `to: None` for `validate` to report. Code is generated only from a model that passed
//! validation, or that `fallback` repaired.

use proc_macro2::Span;
use quote::format_ident;
use syn::visit_mut::VisitMut;
use syn::{Field, Fields, Ident, Path, PathArguments, PathSegment, Visibility};

use crate::names;
use crate::parse::{Docs, Input};

pub struct Model {
    pub ident: Ident,
    pub vis: Visibility,
    pub docs: Docs,
    /// The generated module's name.
    pub module: Ident,
    /// The path of the `statewright` crate.
    pub krate: Path,
    /// Derives for the generated state types and event enum.
    pub derives: Vec<Path>,
    /// Whether `Debug` is among `derives` (the typed machines then implement `Debug` too).
    pub debug: bool,
    /// Whether field attributes other than docs are copied onto generated fields (when the user
    /// asked for extra derives, whose helper attributes those are).
    pub copy_field_attrs: bool,
    pub states: Vec<State>,
    pub events: Vec<Event>,
    /// In declaration order, which groups them by source state.
    pub transitions: Vec<Transition>,
}

pub struct State {
    pub ident: Ident,
    pub docs: Docs,
    /// The variant's fields, with types rewritten to resolve from inside the generated module.
    pub fields: Fields,
    pub initial: Vec<Span>,
    pub terminal: Vec<Span>,
    /// The spans of its `#[on(...)]` attributes.
    pub on: Vec<Span>,
}

pub struct Event {
    /// The event's name where it first appears.
    pub ident: Ident,
    pub name: String,
}

pub struct Transition {
    pub from: usize,
    pub event: usize,
    /// The event's name at this transition.
    pub event_ident: Ident,
    /// The target as written.
    pub target: Ident,
    /// The target state, if the name resolves.
    pub to: Option<usize>,
}

/// The names the generated module defines besides the state types; a state type with one of
/// these names would clash, and field types that use them are rewritten to `super::Name`.
pub const MODULE_TYPES: &[&str] = &["Event", "Machine", "Typed", "Dynamic"];

/// The value names the generated module defines.
pub const MODULE_VALUES: &[&str] = &["start", "start_with", "DEFINITION"];

impl Model {
    pub fn build(input: &Input) -> Model {
        let module = input.options.module.clone().unwrap_or_else(|| {
            Ident::new(
                &names::to_snake(&input.ident.to_string()),
                input.ident.span(),
            )
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

        let mut events: Vec<Event> = Vec::new();
        let mut transitions = Vec::new();
        for (from, variant) in input.variants.iter().enumerate() {
            for on in &variant.on {
                for t in &on.transitions {
                    let name = t.event.to_string();
                    let event = match events.iter().position(|e| e.name == name) {
                        Some(i) => i,
                        None => {
                            events.push(Event {
                                ident: t.event.clone(),
                                name,
                            });
                            events.len() - 1
                        }
                    };
                    let to = input.variants.iter().position(|v| v.ident == t.target);
                    transitions.push(Transition {
                        from,
                        event,
                        event_ident: t.event.clone(),
                        target: t.target.clone(),
                        to,
                    });
                }
            }
        }

        let mut model = Model {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            docs: input.docs.clone(),
            module,
            krate: input.options.krate.clone(),
            derives,
            debug,
            copy_field_attrs: !input.options.derives.is_empty(),
            states: Vec::new(),
            events,
            transitions,
        };
        let mut shadowed: Vec<String> = MODULE_TYPES.iter().map(|s| (*s).to_owned()).collect();
        shadowed.extend(input.variants.iter().map(|v| v.ident.to_string()));
        shadowed.extend(model.events.iter().map(|e| e.trait_ident().to_string()));
        model.states = input
            .variants
            .iter()
            .map(|v| State {
                ident: v.ident.clone(),
                docs: v.docs.clone(),
                fields: rewrite_fields(&v.fields, &shadowed, &input.ident),
                initial: v.initial.clone(),
                terminal: v.terminal.clone(),
                on: v.on.iter().map(|o| o.span).collect(),
            })
            .collect();
        model
    }

    /// The initial state (the first one marked, else the first state).
    pub fn initial(&self) -> usize {
        self.states
            .iter()
            .position(|s| !s.initial.is_empty())
            .unwrap_or(0)
    }

    /// The distinct states `event` leads to, in declaration order.
    pub fn targets(&self, event: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for t in self.transitions.iter().filter(|t| t.event == event) {
            if let Some(to) = t.to {
                if !out.contains(&to) {
                    out.push(to);
                }
            }
        }
        out
    }

    /// The states `event` leaves, in declaration order.
    pub fn sources(&self, event: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for t in self.transitions.iter().filter(|t| t.event == event) {
            if !out.contains(&t.from) {
                out.push(t.from);
            }
        }
        out
    }

    /// The one state `event` leads to, when it always leads to the same state.
    pub fn single_target(&self, event: usize) -> Option<usize> {
        match self.targets(event).as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The index of the first transition of each state, and how many it has.
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
    /// The event enum's variant: `time_wait` -> `TimeWait`.
    pub fn variant(&self) -> Ident {
        Ident::new(&names::to_camel(&self.name), self.ident.span())
    }

    /// The trait implemented by the states that handle the event: `pay` -> `CanPay`.
    pub fn trait_ident(&self) -> Ident {
        format_ident!(
            "Can{}",
            names::to_camel(&self.name),
            span = self.ident.span()
        )
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

/// The variant's fields as fields of a generated struct: public, with types that resolve the
/// same way from inside the generated module.
fn rewrite_fields(fields: &Fields, shadowed: &[String], enum_ident: &Ident) -> Fields {
    let mut fields = fields.clone();
    let mut rewriter = Rewriter {
        shadowed,
        enum_ident,
    };
    for field in fields.iter_mut() {
        field.vis = Visibility::Public(syn::token::Pub(field_span(field)));
        rewriter.visit_type_mut(&mut field.ty);
    }
    fields
}

fn field_span(field: &Field) -> Span {
    field
        .ident
        .as_ref()
        .map_or_else(|| syn::spanned::Spanned::span(&field.ty), Ident::span)
}

/// Rewrites paths in field types so that they mean, inside the generated module, what they mean
/// next to the enum: `super::X` becomes `super::super::X`, `self::X` and names that the module
/// defines itself (`Machine`, a state's name) become `super::X`, and `Self` becomes the enum.
struct Rewriter<'a> {
    shadowed: &'a [String],
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
        } else if name == "super" || self.shadowed.contains(&name) {
            path.segments.insert(0, super_segment());
        }
    }
}
