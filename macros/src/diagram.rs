//! The diagram in the enum's rustdoc: an SVG image and a transition table.
//!
//! Drawing costs time (the layout, the SVG text), and only rustdoc shows it, so the attribute
//! does not draw: it adds
//! `#[cfg_attr(doc, doc = ::statewright::__private::diagram_doc!(...))]` to the enum, with the
//! machine as literals. `cfg(doc)` is set only when rustdoc builds documentation, so
//! `cargo check`, `cargo build` and `cargo test` never expand `diagram_doc!`, and pay only for
//! the literals (measured in `tools/compile-time`). Under rustdoc, `diagram_doc!` renders the
//! chart with the runtime's renderers (the same code as `Definition::svg`) into one string.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::{LitBool, LitInt, LitStr, Token, bracketed, parenthesized};

use statewright_runtime::diagram::Chart;

use crate::codegen::Ctx;

/// Machines with more states than this get the table only: an image of hundreds of states is
/// not reviewable, would make the page heavy, and would be slow to draw (50 states cost rustdoc
/// about 0.8 G instructions, the macro being unoptimized like every proc macro in dev builds).
const MAX_DRAWN_STATES: usize = 60;

/// The attribute that adds the diagram to the enum's docs.
pub fn attribute(cx: &Ctx) -> TokenStream {
    let krate = cx.krate;
    let model = cx.model;
    let name = crate::names::text(cx.ident);
    let states = model.states.iter().enumerate().map(|(i, s)| {
        let state = crate::names::text(&s.ident);
        let doc = s.docs.text.as_str();
        let initial = i == cx.initial;
        let terminal = !s.terminal.is_empty();
        let entry = !s.enter.is_empty();
        let exit = !s.exit.is_empty();
        quote!((#state, #doc, #initial, #terminal, #entry, #exit))
    });
    // The targets of a choice are transitions with the same source and event: the chart
    // groups them into a choice node by itself.
    let transitions = model.transitions.iter().filter_map(|t| {
        let to = proc_macro2::Literal::usize_unsuffixed(t.to?);
        let from = proc_macro2::Literal::usize_unsuffixed(t.from);
        let event = model.events[t.event].name.as_str();
        let guarded = t.guard.is_some();
        // A timeout's milliseconds; 0 for a transition that is none.
        let after = proc_macro2::Literal::u64_unsuffixed(t.timeout.map_or(0, |(ms, _)| ms));
        Some(quote!((#from, #event, #to, #guarded, #after)))
    });
    // A hierarchical machine adds its composites, each state's parent and each transition's
    // declaring and targeted composite (-1: none); a flat machine's literals stay as they were.
    let hierarchy = model.is_hierarchical().then(|| {
        use crate::hierarchy::NodeRef;
        let index =
            |i: Option<usize>| proc_macro2::Literal::i64_unsuffixed(i.map_or(-1, |i| i as i64));
        let composites = (0..model.composites.len()).map(|c| {
            let composite = &model.composites[c];
            let name = crate::names::text(&composite.ident);
            let doc = composite.doc.as_str();
            let parent = index(composite.parent);
            let (is_composite, initial) = match model.initial_child(Some(c)) {
                Some(NodeRef::Composite(i)) => (true, i),
                Some(NodeRef::State(i)) => (false, i),
                None => (false, 0),
            };
            let initial = proc_macro2::Literal::usize_unsuffixed(initial);
            let (entry, exit) = (!composite.enter.is_empty(), !composite.exit.is_empty());
            quote!((#name, #doc, #parent, #is_composite, #initial, #entry, #exit))
        });
        let parents = model.states.iter().map(|s| index(s.parent));
        let origins = model
            .transitions
            .iter()
            .filter(|t| t.to.is_some())
            .map(|t| {
                let (source, target) = (index(t.origin), index(t.target_composite));
                quote!((#source, #target))
            });
        quote!(, [#(#composites),*], [#(#parents),*], [#(#origins),*])
    });
    quote! {
        #[cfg_attr(doc, doc = #krate::__private::diagram_doc!(#name, [#(#states),*], [#(#transitions),*] #hierarchy))]
    }
}

/// `diagram_doc!("Order", [("Pending", "doc", initial, terminal, entry, exit), ...],
/// [(0, "pay", 1, guarded, after_ms), ...])` as the markdown of the enum's "State machine" section. The input is written by
/// [`attribute`]; anything else gives an empty string (never a panic).
pub fn expand(input: TokenStream) -> TokenStream {
    let text = parse
        .parse2(input)
        .ok()
        .and_then(|chart| chart.build().ok())
        .map(|chart| section(&chart))
        .unwrap_or_default();
    let lit = LitStr::new(&text, Span::call_site());
    quote!(#lit)
}

fn parse(input: ParseStream) -> syn::Result<statewright_runtime::diagram::ChartBuilder> {
    let name: LitStr = input.parse()?;
    input.parse::<Token![,]>()?;
    let mut chart = Chart::builder(&name.value());
    let states;
    bracketed!(states in input);
    while !states.is_empty() {
        let state;
        parenthesized!(state in states);
        let name: LitStr = state.parse()?;
        state.parse::<Token![,]>()?;
        let doc: LitStr = state.parse()?;
        state.parse::<Token![,]>()?;
        let initial: LitBool = state.parse()?;
        state.parse::<Token![,]>()?;
        let terminal: LitBool = state.parse()?;
        state.parse::<Token![,]>()?;
        let entry: LitBool = state.parse()?;
        state.parse::<Token![,]>()?;
        let exit: LitBool = state.parse()?;
        let mut added = chart.state(&name.value());
        added.doc(&doc.value());
        if initial.value {
            added.initial();
        }
        if terminal.value {
            added.terminal();
        }
        if entry.value {
            added.entry_hook();
        }
        if exit.value {
            added.exit_hook();
        }
        if !states.is_empty() {
            states.parse::<Token![,]>()?;
        }
    }
    input.parse::<Token![,]>()?;
    let transitions;
    bracketed!(transitions in input);
    while !transitions.is_empty() {
        let transition;
        parenthesized!(transition in transitions);
        let from: LitInt = transition.parse()?;
        transition.parse::<Token![,]>()?;
        let event: LitStr = transition.parse()?;
        transition.parse::<Token![,]>()?;
        let to: LitInt = transition.parse()?;
        transition.parse::<Token![,]>()?;
        let guarded: LitBool = transition.parse()?;
        transition.parse::<Token![,]>()?;
        let after: LitInt = transition.parse()?;
        let (from, event, to) = (from.base10_parse()?, event.value(), to.base10_parse()?);
        let after: u64 = after.base10_parse()?;
        if after > 0 {
            chart.transition_after(from, &event, to, core::time::Duration::from_millis(after));
        } else if guarded.value {
            chart.transition_guarded(from, &event, to);
        } else {
            chart.transition(from, &event, to);
        }
        if !transitions.is_empty() {
            transitions.parse::<Token![,]>()?;
        }
    }
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
        parse_hierarchy(input, &mut chart)?;
    }
    Ok(chart)
}

/// The hierarchical part: `[(name, doc, parent, initial_is_composite, initial, entry, exit),
/// ...], [parent per state], [(source, target) per transition]`, with -1 for none.
fn parse_hierarchy(
    input: ParseStream,
    chart: &mut statewright_runtime::diagram::ChartBuilder,
) -> syn::Result<()> {
    use statewright_runtime::diagram::ChartNode;
    let index = |lit: &LitInt| -> syn::Result<Option<usize>> {
        let value: i64 = lit.base10_parse()?;
        Ok(usize::try_from(value).ok())
    };
    let composites;
    bracketed!(composites in input);
    while !composites.is_empty() {
        let c;
        parenthesized!(c in composites);
        let name: LitStr = c.parse()?;
        c.parse::<Token![,]>()?;
        let doc: LitStr = c.parse()?;
        c.parse::<Token![,]>()?;
        let parent: LitInt = c.parse()?;
        c.parse::<Token![,]>()?;
        let is_composite: LitBool = c.parse()?;
        c.parse::<Token![,]>()?;
        let initial: LitInt = c.parse()?;
        c.parse::<Token![,]>()?;
        let entry: LitBool = c.parse()?;
        c.parse::<Token![,]>()?;
        let exit: LitBool = c.parse()?;
        let initial: usize = initial.base10_parse()?;
        let mut added = chart.composite(&name.value());
        added.doc(&doc.value()).initial(if is_composite.value {
            ChartNode::Composite(initial)
        } else {
            ChartNode::State(initial)
        });
        if let Some(parent) = index(&parent)? {
            added.parent(parent);
        }
        if entry.value {
            added.entry_hook();
        }
        if exit.value {
            added.exit_hook();
        }
        if !composites.is_empty() {
            composites.parse::<Token![,]>()?;
        }
    }
    input.parse::<Token![,]>()?;
    let parents;
    bracketed!(parents in input);
    let mut parent_of = Vec::new();
    while !parents.is_empty() {
        let parent: LitInt = parents.parse()?;
        parent_of.push(index(&parent)?);
        if !parents.is_empty() {
            parents.parse::<Token![,]>()?;
        }
    }
    input.parse::<Token![,]>()?;
    let origins;
    bracketed!(origins in input);
    let mut origin_of = Vec::new();
    while !origins.is_empty() {
        let o;
        parenthesized!(o in origins);
        let source: LitInt = o.parse()?;
        o.parse::<Token![,]>()?;
        let target: LitInt = o.parse()?;
        origin_of.push((index(&source)?, index(&target)?));
        if !origins.is_empty() {
            origins.parse::<Token![,]>()?;
        }
    }
    chart.set_hierarchy(&parent_of, &origin_of);
    Ok(())
}

/// The section: a heading, the image (small machines), the table.
fn section(chart: &Chart) -> String {
    let mut out = String::from("\n\n# State machine\n\n");
    let draw = cfg!(feature = "doc-diagram");
    if draw && chart.states().len() <= MAX_DRAWN_STATES {
        out.push_str(&format!(
            "<img alt=\"Transition diagram of {}\" src=\"data:image/svg+xml,{}\">\n\n",
            chart.name(),
            data_uri(&chart.svg())
        ));
    } else if draw {
        out.push_str(&format!(
            "({} states: too many to draw here; `statewright render` draws the definition \
             JSON.)\n\n",
            chart.states().len()
        ));
    }
    out.push_str(&chart.markdown());
    out
}

/// Percent-encodes what a data URI inside a double-quoted HTML attribute cannot hold as is.
/// Smaller than base64 for SVG, which is mostly ASCII.
fn data_uri(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() * 11 / 10);
    for byte in svg.bytes() {
        match byte {
            b'%' | b'#' | b'"' | b'<' | b'>' | b'&' | b'\'' | b'\\' | b'^' | b'`' | b'{' | b'|'
            | b'}' => out.push_str(&format!("%{byte:02X}")),
            b'\n' => out.push_str("%0A"),
            b' '..=b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(feature = "doc-diagram"))]
    #[test]
    fn without_the_feature_the_section_is_the_table() {
        let out = expand(quote! {
            "Light", [("Off", "Dark.", true, false, false, false), ("On", "", false, false, false, false)],
            [(0, "toggle", 1, false, 0), (1, "toggle", 0, false, 0)]
        });
        let lit: LitStr = syn::parse2(out).unwrap();
        assert_eq!(
            lit.value(),
            "\n\n# State machine\n\nInitial state: `Off`.\n\n| from | event | to |\n\
             | --- | --- | --- |\n| `Off` | `toggle` | `On` |\n| `On` | `toggle` | `Off` |\n"
        );
    }

    #[cfg(feature = "doc-diagram")]
    #[test]
    fn expands_to_a_section_with_image_and_table() {
        let out = expand(quote! {
            "Light", [("Off", "Dark.", true, false, false, false), ("On", "", false, false, false, false)],
            [(0, "toggle", 1, false, 0), (1, "toggle", 0, false, 0)]
        });
        let lit: LitStr = syn::parse2(out).unwrap();
        let text = lit.value();
        assert!(text.starts_with("\n\n# State machine\n\n<img alt=\"Transition diagram of Light\" src=\"data:image/svg+xml,%3C"));
        assert!(text.ends_with("| `On` | `toggle` | `Off` |\n"), "{text}");
        let uri = &text[text.find("src=").unwrap() + 5..text.find("\">").unwrap()];
        assert!(!uri.contains(['"', '<', '>', '\n']), "{uri}");
    }

    /// A payment machine: a choice (`pay -> Paid | Declined`), a guard, hooks.
    fn payment() -> TokenStream {
        quote! {
            "Payment",
            [
                ("Pending", "", true, false, false, false),
                ("Paid", "", false, false, true, false),
                ("Declined", "", false, true, false, true),
                ("Refunded", "", false, true, true, true)
            ],
            [(0, "pay", 1, false, 0), (0, "pay", 2, false, 0), (1, "refund", 3, true, 0)]
        }
    }

    #[test]
    fn choices_guards_and_hooks_reach_the_table() {
        let lit: LitStr = syn::parse2(expand(payment())).unwrap();
        let text = lit.value();
        assert!(
            text.contains(
                "Hooks: `Paid` (entry), `Declined` (exit), `Refunded` (entry / exit).\n\n\
                 | from | event | to | note |\n| --- | --- | --- | --- |\n\
                 | `Pending` | `pay` | `Paid` | choice |\n\
                 | `Pending` | `pay` | `Declined` | choice |\n\
                 | `Paid` | `refund` | `Refunded` | guarded |\n"
            ),
            "{text}"
        );
    }

    #[cfg(feature = "doc-diagram")]
    #[test]
    fn choices_guards_and_hooks_reach_the_image() {
        let lit: LitStr = syn::parse2(expand(payment())).unwrap();
        let text = lit.value();
        // `(a choice)` and `[guard]`, percent-encoded in the data URI.
        assert!(text.contains("(a choice)%3C/title%3E%3Cpath"), "{text}");
        assert!(text.contains("%3Erefund [guard]%3C/text%3E"), "{text}");
        assert!(text.contains("%3Eentry / exit hooks%3C/text%3E"), "{text}");
    }

    /// `Active` holds `Pending` and `Paid`, with `cancel` declared on it.
    fn nested() -> TokenStream {
        quote! {
            "Order",
            [
                ("Pending", "", true, false, false, false),
                ("Paid", "", false, false, false, false),
                ("Cancelled", "", false, true, false, false)
            ],
            [(0, "pay", 1, false, 0), (0, "cancel", 2, false, 0), (1, "cancel", 2, false, 0)],
            [("Active", "Not shipped.", -1, false, 0, false, true)],
            [0, 0, -1],
            [(-1, -1), (0, -1), (0, -1)]
        }
    }

    #[test]
    fn a_hierarchical_machine_reaches_the_table_as_declared() {
        let lit: LitStr = syn::parse2(expand(nested())).unwrap();
        let text = lit.value();
        // The composite's transition once, from the composite.
        assert!(
            text.contains("| `Active` | `cancel` | `Cancelled` |"),
            "{text}"
        );
        assert_eq!(text.matches("`cancel`").count(), 1, "{text}");
    }

    #[cfg(feature = "doc-diagram")]
    #[test]
    fn a_hierarchical_machine_is_drawn_nested() {
        let lit: LitStr = syn::parse2(expand(nested())).unwrap();
        let text = lit.value();
        assert!(text.contains("%3EActive%3C/text%3E"), "{text}");
    }

    #[test]
    fn malformed_input_gives_an_empty_string() {
        for input in [
            quote!(),
            quote!("X", [], []),
            quote!(
                "X",
                [("A", "", false, false, false, false)],
                [(0, "e", 7, false, 0)]
            ),
            // The fields before hooks and guards existed.
            quote!("X", [("A", "", true, false)], []),
            quote!("X", [("A", "", true, false, false, false)], [(0, "e", 0)]),
            // The same transition twice.
            quote!(
                "X",
                [("A", "", true, false, false, false)],
                [(0, "e", 0, false, 0), (0, "e", 0, true, 0)]
            ),
            quote!(1, 2),
            // A hierarchy whose parent is out of range, and one cut short.
            quote!(
                "X",
                [("A", "", true, false, false, false)],
                [],
                [("C", "", -1, false, 0, false, false)],
                [5],
                []
            ),
            quote!(
                "X",
                [("A", "", true, false, false, false)],
                [],
                [("C", "", -1)]
            ),
        ] {
            let lit: LitStr = syn::parse2(expand(input)).unwrap();
            assert_eq!(lit.value(), "");
        }
    }
}
