//! The text formats: Mermaid, Graphviz DOT, PlantUML, SCXML and a markdown table.
//!
//! Each writer walks the chart in declaration order and escapes every name and doc for its
//! format; nothing here can fail. In a diff chart, added items are highlighted, removed ones
//! dashed (and their labels struck where the format cannot dash an edge).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::{Change, Chart};

/// Colours shared by every format (and the SVG): GitHub's green and grey.
pub(crate) const ADDED: &str = "#1a7f37";
pub(crate) const ADDED_FILL: &str = "#dafbe1";
pub(crate) const REMOVED: &str = "#8c959f";

fn has_changes(chart: &Chart) -> bool {
    chart
        .states()
        .iter()
        .any(|s| s.change() != Change::Unchanged)
        || chart
            .transitions()
            .iter()
            .any(|t| t.change() != Change::Unchanged)
}

/// Whether `name` can be written as a bare identifier in Mermaid and PlantUML.
fn plain_id(name: &str, keywords: &[&str]) -> bool {
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !keywords.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// The identifiers of the states in Mermaid or PlantUML: the name itself where it is a plain
/// identifier, otherwise `s<index>` (made unique), declared with the name as its label.
fn ids(chart: &Chart, keywords: &[&str]) -> Vec<(String, bool)> {
    chart
        .states()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if plain_id(s.name(), keywords) {
                return (String::from(s.name()), false);
            }
            let mut id = format!("s{i}");
            while chart.states().iter().any(|s| s.name() == id) {
                id.push('_');
            }
            (id, true)
        })
        .collect()
}

/// A label with each character struck through (U+0336), for formats that cannot dash an edge.
fn struck(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        out.push(c);
        out.push('\u{336}');
    }
    out
}

fn label(event: &str, change: Change) -> String {
    match change {
        Change::Unchanged => String::from(event),
        Change::Added => format!("+ {event}"),
        Change::Removed => format!("- {}", struck(event)),
    }
}

// ---------------------------------------------------------------------------------- Mermaid

const MERMAID_KEYWORDS: &[&str] = &[
    "state",
    "note",
    "end",
    "as",
    "direction",
    "class",
    "classDef",
    "style",
    "click",
    "left",
    "right",
    "of",
    "hide",
    "accTitle",
    "accDescr",
    "default",
];

/// Mermaid text: entity codes for the characters its parser or HTML labels would interpret.
fn mermaid_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '%' => out.push_str("#37;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '"' => out.push_str("#quot;"),
            '&' => out.push_str("#amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn mermaid(chart: &Chart) -> String {
    let ids = ids(chart, MERMAID_KEYWORDS);
    let mut out = String::from("stateDiagram-v2\n");
    for (state, (id, aliased)) in chart.states().iter().zip(&ids) {
        if *aliased {
            let _ = writeln!(out, "    state \"{}\" as {id}", mermaid_text(state.name()));
        }
    }
    let _ = writeln!(out, "    [*] --> {}", ids[chart.initial()].0);
    for t in chart.transitions() {
        let _ = writeln!(
            out,
            "    {} --> {}: {}",
            ids[t.from()].0,
            ids[t.to()].0,
            mermaid_text(&label(t.event(), t.change()))
        );
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        if state.is_terminal() {
            let _ = writeln!(out, "    {id} --> [*]");
        }
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        let summary = state.summary();
        if !summary.is_empty() {
            let _ = writeln!(out, "    note right of {id}: {}", mermaid_text(&summary));
        }
    }
    if has_changes(chart) {
        let _ = writeln!(
            out,
            "    classDef added fill:{ADDED_FILL},stroke:{ADDED},stroke-width:2px,color:{ADDED}"
        );
        let _ = writeln!(
            out,
            "    classDef removed fill:#f6f8fa,stroke:{REMOVED},stroke-dasharray:5 5,color:{REMOVED}"
        );
        for (state, (id, _)) in chart.states().iter().zip(&ids) {
            match state.change() {
                Change::Added => {
                    let _ = writeln!(out, "    class {id} added");
                }
                Change::Removed => {
                    let _ = writeln!(out, "    class {id} removed");
                }
                Change::Unchanged => {}
            }
        }
    }
    out
}

// -------------------------------------------------------------------------------------- DOT

/// A DOT double-quoted string, quotes included.
fn dot_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn dot(chart: &Chart) -> String {
    let mut out = format!("digraph {} {{\n", dot_string(chart.name()));
    out.push_str("    rankdir=LR;\n");
    out.push_str("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("    edge [fontname=\"Helvetica\"];\n");
    // `[*]` cannot be a state's name: states are Rust identifiers.
    out.push_str("    \"[*]\" [shape=point, width=0.15, label=\"\"];\n");
    for state in chart.states() {
        let mut attrs: Vec<String> = Vec::new();
        if state.is_terminal() {
            attrs.push(String::from("peripheries=2"));
        }
        let summary = state.summary();
        if !summary.is_empty() {
            attrs.push(format!("tooltip={}", dot_string(&summary)));
        }
        match state.change() {
            Change::Added => attrs.push(format!(
                "color=\"{ADDED}\", fontcolor=\"{ADDED}\", penwidth=2, style=\"rounded,filled\", fillcolor=\"{ADDED_FILL}\""
            )),
            Change::Removed => attrs.push(format!(
                "color=\"{REMOVED}\", fontcolor=\"{REMOVED}\", style=\"rounded,dashed\""
            )),
            Change::Unchanged => {}
        }
        out.push_str("    ");
        out.push_str(&dot_string(state.name()));
        if !attrs.is_empty() {
            let _ = write!(out, " [{}]", attrs.join(", "));
        }
        out.push_str(";\n");
    }
    let _ = writeln!(
        out,
        "    \"[*]\" -> {};",
        dot_string(chart.states()[chart.initial()].name())
    );
    for t in chart.transitions() {
        let from = &chart.states()[t.from()];
        let to = &chart.states()[t.to()];
        let style = match t.change() {
            Change::Unchanged => String::new(),
            Change::Added => {
                format!(", color=\"{ADDED}\", fontcolor=\"{ADDED}\", penwidth=2")
            }
            Change::Removed => {
                format!(", color=\"{REMOVED}\", fontcolor=\"{REMOVED}\", style=dashed")
            }
        };
        let text = match t.change() {
            Change::Unchanged => String::from(t.event()),
            Change::Added => format!("+ {}", t.event()),
            Change::Removed => format!("- {}", t.event()),
        };
        let _ = writeln!(
            out,
            "    {} -> {} [label={}{style}];",
            dot_string(from.name()),
            dot_string(to.name()),
            dot_string(&text)
        );
    }
    out.push_str("}\n");
    out
}

// --------------------------------------------------------------------------------- PlantUML

const PLANTUML_KEYWORDS: &[&str] = &[
    "state",
    "note",
    "end",
    "as",
    "left",
    "right",
    "of",
    "top",
    "bottom",
    "hide",
    "show",
    "skinparam",
    "title",
    "legend",
    "header",
    "footer",
];

/// PlantUML text: `&#N;` for characters its creole and HTML-like markup would interpret, and
/// `~` before doubled markup characters (`//`, `**`, `--`, ...).
fn plantuml_text(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' | '>' | '&' | '\\' | '#' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            '*' | '/' | '"' | '-' | '_' | '~' | '=' | '|' | '^' | '\''
                if chars.peek() == Some(&c) =>
            {
                out.push('~');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn plantuml(chart: &Chart) -> String {
    let ids = ids(chart, PLANTUML_KEYWORDS);
    let mut out = String::from("@startuml\n");
    let _ = writeln!(out, "title {}", plantuml_text(chart.name()));
    out.push_str("hide empty description\n");
    for (state, (id, aliased)) in chart.states().iter().zip(&ids) {
        let colour = match state.change() {
            Change::Unchanged => String::new(),
            // Colours inside the `#back;line:...` spec are written without their `#`.
            Change::Added => format!(" {ADDED_FILL};line:{0};line.bold;text:{0}", &ADDED[1..]),
            Change::Removed => format!(" #f6f8fa;line:{0};line.dashed;text:{0}", &REMOVED[1..]),
        };
        if *aliased {
            let _ = writeln!(
                out,
                "state \"{}\" as {id}{colour}",
                plantuml_text(state.name())
            );
        } else if !colour.is_empty() {
            let _ = writeln!(out, "state {id}{colour}");
        }
    }
    let _ = writeln!(out, "[*] --> {}", ids[chart.initial()].0);
    for t in chart.transitions() {
        let arrow = match t.change() {
            Change::Unchanged => String::from("-->"),
            Change::Added => format!("-[{ADDED},bold]->"),
            Change::Removed => format!("-[{REMOVED},dashed]->"),
        };
        // A label starting with `+` or `-` would be drawn as a UML visibility icon.
        let mark = match t.change() {
            Change::Unchanged => "",
            Change::Added => "&#43; ",
            Change::Removed => "&#45; ",
        };
        let _ = writeln!(
            out,
            "{} {arrow} {} : {mark}{}",
            ids[t.from()].0,
            ids[t.to()].0,
            plantuml_text(t.event())
        );
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        if state.is_terminal() {
            let _ = writeln!(out, "{id} --> [*]");
        }
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        let summary = state.summary();
        if !summary.is_empty() {
            let _ = writeln!(out, "note right of {id} : {}", plantuml_text(&summary));
        }
    }
    out.push_str("@enduml\n");
    out
}

// ------------------------------------------------------------------------------------ SCXML

/// XML text or attribute value; characters XML 1.0 forbids are dropped.
pub(crate) fn xml_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn scxml(chart: &Chart) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\" name=\"{}\" initial=\"{}\">",
        xml_text(chart.name()),
        xml_text(chart.states()[chart.initial()].name())
    );
    for (i, state) in chart.states().iter().enumerate() {
        if state.change() == Change::Removed {
            continue;
        }
        let transitions: Vec<_> = chart
            .transitions()
            .iter()
            .filter(|t| t.from() == i && t.change() != Change::Removed)
            .collect();
        let tag = if state.is_terminal() {
            "final"
        } else {
            "state"
        };
        if transitions.is_empty() {
            let _ = writeln!(out, "  <{tag} id=\"{}\"/>", xml_text(state.name()));
            continue;
        }
        let _ = writeln!(out, "  <{tag} id=\"{}\">", xml_text(state.name()));
        for t in transitions {
            let _ = writeln!(
                out,
                "    <transition event=\"{}\" target=\"{}\"/>",
                xml_text(t.event()),
                xml_text(chart.states()[t.to()].name())
            );
        }
        let _ = writeln!(out, "  </{tag}>");
    }
    out.push_str("</scxml>\n");
    out
}

// --------------------------------------------------------------------------------- markdown

/// Markdown inline code for an identifier (names cannot hold backticks or pipes; escaped anyway).
fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '`' || c == '|' { '\'' } else { c })
        .collect();
    format!("`{text}`")
}

pub(crate) fn markdown(chart: &Chart) -> String {
    let changes = has_changes(chart);
    let names = |pick: fn(&super::ChartState) -> bool| -> String {
        chart
            .states()
            .iter()
            .filter(|s| pick(s) && s.change() != Change::Removed)
            .map(|s| code(s.name()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "Initial state: {}.",
        code(chart.states()[chart.initial()].name())
    );
    let terminal = names(|s| s.is_terminal());
    if !terminal.is_empty() {
        let _ = write!(out, " Terminal: {terminal}.");
    }
    out.push_str("\n\n");
    if changes {
        out.push_str("| | from | event | to |\n| --- | --- | --- | --- |\n");
    } else {
        out.push_str("| from | event | to |\n| --- | --- | --- |\n");
    }
    for t in chart.transitions() {
        if changes {
            let mark = match t.change() {
                Change::Unchanged => " ",
                Change::Added => "+",
                Change::Removed => "−",
            };
            let _ = write!(out, "| {mark} ");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(chart.states()[t.from()].name()),
            code(t.event()),
            code(chart.states()[t.to()].name())
        );
    }
    out
}
