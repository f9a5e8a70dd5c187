//! The text formats: Mermaid, Graphviz DOT, PlantUML, SCXML and a markdown table.
//!
//! Each writer walks the chart in declaration order and escapes every name and doc for its
//! format; nothing here can fail. In a diff chart, added items are highlighted, removed ones
//! dashed (and their labels struck where the format cannot dash an edge).
//!
//! A choice is drawn through a choice node ([`Chart::drawn`]): the event's arrow goes into the
//! node and one arrow per target leaves it, unlabelled unless that branch is guarded or changed
//! in a diff chart. A guarded transition's label ends in [`GUARD`]; hooks are written as
//! `entry hook`, `exit hook` or `entry / exit hooks` (`ChartState::hooks_text`).

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::{Change, Chart, ChartTransition, Choice, Drawn};

/// Colours shared by every format (and the SVG): GitHub's green and grey.
pub(crate) const ADDED: &str = "#1a7f37";
pub(crate) const ADDED_FILL: &str = "#dafbe1";
pub(crate) const REMOVED: &str = "#8c959f";

/// What a guarded transition's label ends with: UML's guard brackets.
pub(crate) const GUARD: &str = "[guard]";

/// The ids of the choice nodes of `drawn`, in order: `base(choice)` (or `choice_<n>` where
/// `base` gives nothing), with `_` appended until it differs from every state id in `taken`
/// and from the choices before it.
fn choice_ids(
    drawn: &[Drawn],
    taken: &[String],
    base: impl Fn(&Choice) -> Option<String>,
) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    // Every id given so far, states' and choices', for a search rather than a scan.
    let mut used: BTreeSet<String> = taken.iter().cloned().collect();
    for (n, choice) in drawn
        .iter()
        .filter_map(|d| match d {
            Drawn::Choice(c) => Some(c),
            Drawn::Arrow(_) => None,
        })
        .enumerate()
    {
        let mut id = base(choice).unwrap_or_else(|| format!("choice_{n}"));
        while used.contains(&id) {
            id.push('_');
        }
        used.insert(id.clone());
        ids.push(id);
    }
    ids
}

/// The Mermaid and PlantUML id of a choice: `<source id>_<event>` when that is a plain id.
fn plain_choice_id(chart: &Chart, ids: &[String], keywords: &[&str], c: &Choice) -> Option<String> {
    let event = chart.transitions()[c.branches[0]].event();
    let id = format!("{}_{event}", ids[c.from]);
    plain_id(&id, keywords).then_some(id)
}

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
/// identifier that the format draws as written (`drawn_as_is`), otherwise `s<index>` (made
/// unique), declared with the name as its label.
fn ids(chart: &Chart, keywords: &[&str], drawn_as_is: fn(&str) -> bool) -> Vec<(String, bool)> {
    let names: BTreeSet<&str> = chart.states().iter().map(|s| s.name()).collect();
    chart
        .states()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if plain_id(s.name(), keywords) && drawn_as_is(s.name()) {
                return (String::from(s.name()), false);
            }
            let mut id = format!("s{i}");
            while names.contains(id.as_str()) {
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

/// Words that Mermaid's state-diagram lexer reads as keywords where a state's id stands (in any
/// case): a state with one of these names is declared under an alias. `scale`, `href` and
/// `stateDiagram` stop the parse; `state` and `note` swallow the rest of the line.
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
    "href",
    "left",
    "right",
    "of",
    "hide",
    "scale",
    "stateDiagram",
    "accTitle",
    "accDescr",
    "default",
];

/// Whether the underscore at `chars[i]` sits inside a word (a letter or digit on both sides),
/// where Markdown never reads it as emphasis.
fn inside_word(chars: &[char], i: usize) -> bool {
    let word = |j: Option<usize>| {
        j.and_then(|j| chars.get(j))
            .is_some_and(|c| c.is_alphanumeric())
    };
    word(i.checked_sub(1)) && word(Some(i + 1))
}

/// Whether Mermaid draws `id` as written when it names a state: it reads the name as Markdown,
/// so an underscore at the edge of a word (`_Draft_`) would become emphasis.
fn mermaid_drawn_as_is(id: &str) -> bool {
    let chars: Vec<char> = id.chars().collect();
    (0..chars.len()).all(|i| chars[i] != '_' || inside_word(&chars, i))
}

/// Mermaid text: entity codes (`#58;`) for every character Mermaid would read as something
/// other than text. Each rule was found by rendering with mermaid-cli
/// (`tools/renderers/check.sh`):
///
/// - `:` ends a note's text, and a label cannot hold `::` or end with `:` (a parse error);
/// - `;` ends a statement, `#` starts a comment, `%%` a comment or directive, `"` a name;
/// - `<`, `>` and `&` would be HTML;
/// - names, labels and notes are Markdown: `*`, `\` and an underscore at the edge of a word
///   (`_draft_`) are emphasis or escapes, drawn as italics or not at all;
/// - a line that holds `direction`, white space and `TB`, `BT`, `LR` or `RL` (in any case,
///   inside a note too) is read as a `direction` statement and silently dropped, so the white
///   space after `direction` is written as an entity;
/// - `[[` in a state's name (`[[fork]]`, `[[choice]]`) would make the state a fork or choice.
///
/// Line breaks and tabs become spaces; other control characters are dropped.
fn mermaid_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            ':' => out.push_str("#58;"),
            '%' => out.push_str("#37;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '"' => out.push_str("#quot;"),
            '&' => out.push_str("#amp;"),
            '*' => out.push_str("#42;"),
            '\\' => out.push_str("#92;"),
            '_' if !inside_word(&chars, i) => out.push_str("#95;"),
            '[' if chars.get(i + 1) == Some(&'[') => out.push_str("#91;"),
            // What JavaScript's `\s` matches: Unicode's white space and the byte order mark.
            c if c.is_whitespace() || c == '\u{feff}' => {
                let c = if c.is_control() { ' ' } else { c };
                if ends_with_ignore_ascii_case(&out, "direction") {
                    let _ = write!(out, "#{};", u32::from(c));
                } else {
                    out.push(c);
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `text` ends with `suffix`, ASCII letters compared in any case.
fn ends_with_ignore_ascii_case(text: &str, suffix: &str) -> bool {
    text.len()
        .checked_sub(suffix.len())
        .and_then(|start| text.get(start..))
        .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
}

/// The label of a choice's branch: empty for a plain branch, else the change mark and event
/// (`label`) and the guard.
fn branch_label(t: &ChartTransition, label: impl Fn(&str, Change) -> String) -> String {
    let text = match t.change() {
        Change::Unchanged => String::new(),
        change => label(&t.label_head(), change),
    };
    t.label_tail(text)
}

pub(crate) fn mermaid(chart: &Chart) -> String {
    let ids = ids(chart, MERMAID_KEYWORDS, mermaid_drawn_as_is);
    let names: Vec<String> = ids.iter().map(|(id, _)| id.clone()).collect();
    let drawn = chart.drawn();
    let choices = choice_ids(&drawn, &names, |c| {
        plain_choice_id(chart, &names, MERMAID_KEYWORDS, c)
    });
    let mut out = String::from("stateDiagram-v2\n");
    for (state, (id, aliased)) in chart.states().iter().zip(&ids) {
        if *aliased {
            let _ = writeln!(out, "    state \"{}\" as {id}", mermaid_text(state.name()));
        }
    }
    for id in &choices {
        let _ = writeln!(out, "    state {id} <<choice>>");
    }
    let _ = writeln!(out, "    [*] --> {}", ids[chart.initial()].0);
    let mut choice_id = choices.iter();
    for item in &drawn {
        match item {
            Drawn::Arrow(i) => {
                let t = &chart.transitions()[*i];
                let _ = writeln!(
                    out,
                    "    {} --> {}: {}",
                    ids[t.from()].0,
                    ids[t.to()].0,
                    mermaid_text(&t.label_tail(label(&t.label_head(), t.change())))
                );
            }
            Drawn::Choice(c) => {
                let Some(id) = choice_id.next() else { break };
                let event = chart.transitions()[c.branches[0]].event();
                let _ = writeln!(
                    out,
                    "    {} --> {id}: {}",
                    ids[c.from].0,
                    mermaid_text(&label(event, c.change))
                );
                for &b in &c.branches {
                    let t = &chart.transitions()[b];
                    let text = branch_label(t, label);
                    if text.is_empty() {
                        let _ = writeln!(out, "    {id} --> {}", ids[t.to()].0);
                    } else {
                        let _ = writeln!(
                            out,
                            "    {id} --> {}: {}",
                            ids[t.to()].0,
                            mermaid_text(&text)
                        );
                    }
                }
            }
        }
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        if state.is_terminal() {
            let _ = writeln!(out, "    {id} --> [*]");
        }
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        let summary = state.summary();
        let note = match (summary.is_empty(), state.hooks_text()) {
            (true, None) => continue,
            (true, Some(hooks)) => String::from(hooks),
            (false, None) => summary,
            (false, Some(hooks)) => format!("{summary} ({hooks})"),
        };
        let _ = writeln!(out, "    note right of {id}: {}", mermaid_text(&note));
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

/// A DOT double-quoted string, quotes included, for a name or a label.
///
/// Graphviz decodes HTML entities in these strings, so `&` is `&amp;` (a doc's `&amp;` was
/// drawn as `&`, its `&#59;` as `;`), and reads backslash escapes (`\N` is the node's name,
/// `\l` a line break), so a backslash is `\\`.
fn dot_string(text: &str) -> String {
    dot_quoted(text, "\\\\")
}

/// A DOT double-quoted string for a tooltip: as [`dot_string`], but Graphviz reads a tooltip's
/// backslash escapes twice (`\\N` became the node's name), so a backslash is `\\\\`.
fn dot_tooltip(text: &str) -> String {
    dot_quoted(text, "\\\\\\\\")
}

fn dot_quoted(text: &str, backslash: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str(backslash),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a Graphviz HTML-like label: entities for markup, and `\\` for a backslash (Graphviz
/// reads backslash escapes in these labels too: `\N` is the node's name).
fn dot_html(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The DOT attributes that mark an edge as added or removed (empty when unchanged).
fn dot_edge_style(change: Change) -> String {
    match change {
        Change::Unchanged => String::new(),
        Change::Added => format!("color=\"{ADDED}\", fontcolor=\"{ADDED}\", penwidth=2"),
        Change::Removed => format!("color=\"{REMOVED}\", fontcolor=\"{REMOVED}\", style=dashed"),
    }
}

/// The DOT edge label: the event with `+ ` or `- ` in a diff chart (colours say the rest).
fn dot_label(event: &str, change: Change) -> String {
    match change {
        Change::Unchanged => String::from(event),
        Change::Added => format!("+ {event}"),
        Change::Removed => format!("- {event}"),
    }
}

/// A DOT edge statement `from -> to [label=..., style...];`, without an empty attribute list.
fn dot_edge(out: &mut String, from: &str, to: &str, label: &str, change: Change) {
    let mut attrs: Vec<String> = Vec::new();
    if !label.is_empty() {
        attrs.push(format!("label={}", dot_string(label)));
    }
    let style = dot_edge_style(change);
    if !style.is_empty() {
        attrs.push(style);
    }
    let _ = write!(out, "    {} -> {}", dot_string(from), dot_string(to));
    if !attrs.is_empty() {
        let _ = write!(out, " [{}]", attrs.join(", "));
    }
    out.push_str(";\n");
}

pub(crate) fn dot(chart: &Chart) -> String {
    let drawn = chart.drawn();
    let mut taken: Vec<String> = chart.states().iter().map(|s| s.name().into()).collect();
    // The start point's id: `[*]`, with `_` appended while a state has that name (a Rust
    // identifier never does, a name from definition JSON may; the point would swallow it).
    let mut start = String::from("[*]");
    while taken.contains(&start) {
        start.push('_');
    }
    taken.push(start.clone());
    // `Pending.pay`: a Rust identifier has no `.`, so it is never a state's name.
    let choices = choice_ids(&drawn, &taken, |c| {
        let event = chart.transitions()[c.branches[0]].event();
        Some(format!("{}.{event}", chart.states()[c.from].name()))
    });
    let mut out = format!("digraph {} {{\n", dot_string(chart.name()));
    out.push_str("    rankdir=LR;\n");
    out.push_str("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("    edge [fontname=\"Helvetica\"];\n");
    let _ = writeln!(
        out,
        "    {} [shape=point, width=0.15, label=\"\"];",
        dot_string(&start)
    );
    for state in chart.states() {
        let mut attrs: Vec<String> = Vec::new();
        if state.is_terminal() {
            attrs.push(String::from("peripheries=2"));
        }
        let summary = state.summary();
        if !summary.is_empty() {
            attrs.push(format!("tooltip={}", dot_tooltip(&summary)));
        }
        if let Some(hooks) = state.hooks_text() {
            attrs.push(format!(
                "label=<{}<br/><font point-size=\"10\">{hooks}</font>>",
                dot_html(state.name())
            ));
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
    for (item, id) in drawn
        .iter()
        .filter_map(|d| match d {
            Drawn::Choice(c) => Some(c),
            Drawn::Arrow(_) => None,
        })
        .zip(&choices)
    {
        let style = match item.change {
            Change::Unchanged => String::from("style=solid"),
            Change::Added => {
                format!("style=filled, color=\"{ADDED}\", penwidth=2, fillcolor=\"{ADDED_FILL}\"")
            }
            Change::Removed => format!("style=dashed, color=\"{REMOVED}\""),
        };
        let _ = writeln!(
            out,
            "    {} [shape=diamond, label=\"\", width=0.25, height=0.25, {style}];",
            dot_string(id)
        );
    }
    let _ = writeln!(
        out,
        "    {} -> {};",
        dot_string(&start),
        dot_string(chart.states()[chart.initial()].name())
    );
    let name = |i: usize| chart.states()[i].name();
    let mut choice_id = choices.iter();
    for item in &drawn {
        match item {
            Drawn::Arrow(i) => {
                let t = &chart.transitions()[*i];
                let text = t.label_tail(dot_label(&t.label_head(), t.change()));
                dot_edge(&mut out, name(t.from()), name(t.to()), &text, t.change());
            }
            Drawn::Choice(c) => {
                let Some(id) = choice_id.next() else { break };
                let event = chart.transitions()[c.branches[0]].event();
                dot_edge(
                    &mut out,
                    name(c.from),
                    id,
                    &dot_label(event, c.change),
                    c.change,
                );
                for &b in &c.branches {
                    let t = &chart.transitions()[b];
                    let text = branch_label(t, dot_label);
                    dot_edge(&mut out, id, name(t.to()), &text, t.change());
                }
            }
        }
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

/// PlantUML text: `&#N;` for every character its creole and HTML-like markup would interpret.
/// PlantUML decodes these entities after it has read the markup, so an entity is always drawn
/// as the character. Found by rendering with Debian's PlantUML 1.2020.2
/// (`tools/renderers/check.sh`):
///
/// - `<`, `>`, `&`, `#` (a colour, or a numbered list at the start), `"` (a single one ended a
///   state's quoted name, a syntax error) and `~` (creole's escape character) are entities;
/// - the first of two equal markup characters is an entity: `**`, `//`, `--`, `__` are bold,
///   italic, strike-through and underline, `[[` a link; `~` before them escaped only some
///   (`~==`, `~||`, `~''` were drawn with their `~`);
/// - a first character that is punctuation is an entity: creole reads `*` there as a list item
///   and `=` as a heading, and a label drawn from `+ x` or `- x` showed a UML visibility icon;
/// - a backslash is `\\`, never `&#92;`: PlantUML uses the decoded character in a regular
///   expression's replacement string, throws, draws the stack trace and exits with 0; so does
///   `&#36;`, which is why `$` is left as it is.
///
/// Line breaks and tabs become spaces; other control characters are dropped.
fn plantuml_text(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let at_start = core::mem::replace(&mut first, false);
        let doubled_markup = matches!(c, '*' | '/' | '-' | '_' | '=' | '|' | '^' | '\'' | '[')
            && chars.peek() == Some(&c);
        match c {
            '\\' => out.push_str("\\\\"),
            '$' => out.push('$'), // not `&#36;`, see above
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            '<' | '>' | '&' | '#' | '"' | '~' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if c.is_ascii_punctuation() && (at_start || doubled_markup) => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// The PlantUML arrow for a change.
fn plantuml_arrow(change: Change) -> String {
    match change {
        Change::Unchanged => String::from("-->"),
        Change::Added => format!("-[{ADDED},bold]->"),
        Change::Removed => format!("-[{REMOVED},dashed]->"),
    }
}

/// The PlantUML label text: the event, with `+`/`-` as entities (a label starting with `+` or
/// `-` would be drawn as a UML visibility icon; `plantuml_text` escapes an event that starts
/// with one).
fn plantuml_label(event: &str, change: Change) -> String {
    let mark = match change {
        Change::Unchanged => "",
        Change::Added => "&#43; ",
        Change::Removed => "&#45; ",
    };
    format!("{mark}{}", plantuml_text(event))
}

pub(crate) fn plantuml(chart: &Chart) -> String {
    let ids = ids(chart, PLANTUML_KEYWORDS, |_| true);
    let names: Vec<String> = ids.iter().map(|(id, _)| id.clone()).collect();
    let drawn = chart.drawn();
    let choices = choice_ids(&drawn, &names, |c| {
        plain_choice_id(chart, &names, PLANTUML_KEYWORDS, c)
    });
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
    for id in &choices {
        let _ = writeln!(out, "state {id} <<choice>>");
    }
    let _ = writeln!(out, "[*] --> {}", ids[chart.initial()].0);
    let mut choice_id = choices.iter();
    for item in &drawn {
        match item {
            Drawn::Arrow(i) => {
                let t = &chart.transitions()[*i];
                let _ = writeln!(
                    out,
                    "{} {} {} : {}",
                    ids[t.from()].0,
                    plantuml_arrow(t.change()),
                    ids[t.to()].0,
                    t.label_tail(plantuml_label(&t.label_head(), t.change()))
                );
            }
            Drawn::Choice(c) => {
                let Some(id) = choice_id.next() else { break };
                let event = chart.transitions()[c.branches[0]].event();
                let _ = writeln!(
                    out,
                    "{} {} {id} : {}",
                    ids[c.from].0,
                    plantuml_arrow(c.change),
                    plantuml_label(event, c.change)
                );
                for &b in &c.branches {
                    let t = &chart.transitions()[b];
                    let text = branch_label(t, plantuml_label);
                    let arrow = plantuml_arrow(t.change());
                    if text.is_empty() {
                        let _ = writeln!(out, "{id} {arrow} {}", ids[t.to()].0);
                    } else {
                        let _ = writeln!(out, "{id} {arrow} {} : {text}", ids[t.to()].0);
                    }
                }
            }
        }
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        if state.is_terminal() {
            let _ = writeln!(out, "{id} --> [*]");
        }
    }
    for (state, (id, _)) in chart.states().iter().zip(&ids) {
        if let Some(hooks) = state.hooks_text() {
            let _ = writeln!(out, "{id} : {hooks}");
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
    let live = |t: &&ChartTransition| t.change() != Change::Removed;
    // Each state's transitions of the new version, the branches of a choice together: one
    // pass over the drawn items (all of an item's transitions leave the same state).
    let mut groups_of: Vec<Vec<Vec<&ChartTransition>>> =
        Vec::from_iter(chart.states().iter().map(|_| Vec::new()));
    for item in chart.drawn() {
        let group: Vec<&ChartTransition> = match item {
            Drawn::Arrow(t) => Vec::from([&chart.transitions()[t]]),
            Drawn::Choice(c) => c
                .branches
                .iter()
                .map(|&b| &chart.transitions()[b])
                .collect(),
        };
        let group: Vec<&ChartTransition> = group.into_iter().filter(live).collect();
        if let Some(groups) = group.first().and_then(|t| groups_of.get_mut(t.from())) {
            groups.push(group);
        }
    }
    for (state, groups) in chart.states().iter().zip(groups_of) {
        if state.change() == Change::Removed {
            continue;
        }
        let tag = if state.is_terminal() {
            "final"
        } else {
            "state"
        };
        let hooks = state.hooks_text();
        if groups.is_empty() && hooks.is_none() {
            let _ = writeln!(out, "  <{tag} id=\"{}\"/>", xml_text(state.name()));
            continue;
        }
        let _ = writeln!(out, "  <{tag} id=\"{}\">", xml_text(state.name()));
        if let Some(hooks) = hooks {
            let _ = writeln!(out, "    <!-- {hooks} in the machine's Rust code -->");
            if state.has_entry_hook() {
                out.push_str("    <onentry/>\n");
            }
            if state.has_exit_hook() {
                out.push_str("    <onexit/>\n");
            }
        }
        for group in groups {
            if group.len() > 1 {
                let _ = writeln!(
                    out,
                    "    <!-- a choice: the caller picks one of the next {} targets; SCXML would take the first -->",
                    group.len()
                );
            }
            for t in group {
                if t.is_guarded() {
                    out.push_str(
                        "    <!-- guarded: the caller may decline the next transition; the machine then stays -->\n",
                    );
                }
                let _ = writeln!(
                    out,
                    "    <transition event=\"{}\" target=\"{}\"/>",
                    xml_text(t.event()),
                    xml_text(chart.states()[t.to()].name())
                );
            }
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
    let hooks: Vec<String> = chart
        .states()
        .iter()
        .filter(|s| s.change() != Change::Removed)
        .filter_map(|s| {
            let which = match (s.has_entry_hook(), s.has_exit_hook()) {
                (true, true) => "entry / exit",
                (true, false) => "entry",
                (false, true) => "exit",
                (false, false) => return None,
            };
            Some(format!("{} ({which})", code(s.name())))
        })
        .collect();
    if !hooks.is_empty() {
        let _ = write!(out, " Hooks: {}.", hooks.join(", "));
    }
    out.push_str("\n\n");
    // The `note` column only for machines with choices or guards, so that the table of any
    // other machine stays as it was.
    let notes = chart
        .transitions()
        .iter()
        .any(|t| t.is_choice() || t.is_guarded());
    if changes {
        out.push_str("| | from | event | to |");
    } else {
        out.push_str("| from | event | to |");
    }
    out.push_str(if notes { " note |\n" } else { "\n" });
    if changes {
        out.push_str("| --- ");
    }
    out.push_str(if notes {
        "| --- | --- | --- | --- |\n"
    } else {
        "| --- | --- | --- |\n"
    });
    for t in chart.transitions() {
        if changes {
            let mark = match t.change() {
                Change::Unchanged => " ",
                Change::Added => "+",
                Change::Removed => "−",
            };
            let _ = write!(out, "| {mark} ");
        }
        let _ = write!(
            out,
            "| {} | {} | {} |",
            code(chart.states()[t.from()].name()),
            code(t.event()),
            code(chart.states()[t.to()].name())
        );
        if notes {
            let note = match (t.is_choice(), t.is_guarded()) {
                (true, true) => " choice, guarded |",
                (true, false) => " choice |",
                (false, true) => " guarded |",
                (false, false) => " |",
            };
            out.push_str(note);
        }
        out.push('\n');
    }
    out
}
