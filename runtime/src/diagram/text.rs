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

use super::{Block, Change, Chart, ChartNode, ChartTransition, Choice, Drawn};

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

/// The identifiers of the nodes (states, then composites: [`Chart::node_index`]) in Mermaid or
/// PlantUML: the name itself where it is a plain identifier that the format draws as written
/// (`drawn_as_is`), otherwise `s<index>` for a state and `c<index>` for a composite (made
/// unique), declared with the name as its label.
fn ids(chart: &Chart, keywords: &[&str], drawn_as_is: fn(&str) -> bool) -> Vec<(String, bool)> {
    let names: BTreeSet<&str> = chart
        .states()
        .iter()
        .map(|s| s.name())
        .chain(chart.composites().iter().map(|c| c.name()))
        .collect();
    let nodes = chart
        .states()
        .iter()
        .map(|s| (s.name(), 's'))
        .chain(chart.composites().iter().map(|c| (c.name(), 'c')));
    let mut count = [0usize; 2];
    nodes
        .map(|(name, prefix)| {
            let n = &mut count[usize::from(prefix == 'c')];
            let i = *n;
            *n += 1;
            if plain_id(name, keywords) && drawn_as_is(name) {
                return (String::from(name), false);
            }
            let mut id = format!("{prefix}{i}");
            while names.contains(id.as_str()) {
                id.push('_');
            }
            (id, true)
        })
        .collect()
}

/// The container (see [`Chart::container`]) a drawn line between nodes in containers `a` and
/// `b` goes in, for the nested text formats: their container when they share one, else the
/// top level, after every block (Mermaid moves a state into the block that mentions it last,
/// so a block mentions only its own children).
fn line_block(chart: &Chart, a: usize, b: usize) -> usize {
    if a == b { a } else { chart.composites().len() }
}

/// The container of the node with this [`Chart::node_index`].
fn container_at(chart: &Chart, node: usize) -> usize {
    chart.container(chart.node_at(node))
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

/// The lines of each container of a nested text format (the composites', then the top
/// level's), in drawing order: the choice nodes declared in it, and its edges. Mermaid and
/// PlantUML differ only in how a line reads: `label` writes an event's label, and
/// `line(from, to, change, text)` an edge (`text` empty: a branch without a label).
struct ContainerLines {
    choices: Vec<Vec<String>>,
    edges: Vec<Vec<String>>,
}

fn container_lines(
    chart: &Chart,
    ids: &[(String, bool)],
    drawn: &[Drawn],
    choices: &[String],
    label: fn(&str, Change) -> String,
    line: impl Fn(&str, &str, Change, &str) -> String,
) -> ContainerLines {
    let top = chart.composites().len();
    let mut out = ContainerLines {
        choices: Vec::from_iter((0..=top).map(|_| Vec::new())),
        edges: Vec::from_iter((0..=top).map(|_| Vec::new())),
    };
    let mut choice_id = choices.iter();
    for item in drawn {
        match item {
            Drawn::Arrow(i) => {
                let t = &chart.transitions()[*i];
                let (from, to) = (chart.source_index(t), chart.target_index(t));
                let block = line_block(chart, container_at(chart, from), container_at(chart, to));
                let text = t.label_tail(label(&t.label_head(), t.change()));
                out.edges[block].push(line(&ids[from].0, &ids[to].0, t.change(), &text));
            }
            Drawn::Choice(c) => {
                let Some(id) = choice_id.next() else { break };
                let here = container_at(chart, c.from);
                out.choices[here].push(format!("state {id} <<choice>>"));
                let event = chart.transitions()[c.branches[0]].event();
                let text = label(event, c.change);
                out.edges[here].push(line(&ids[c.from].0, id, c.change, &text));
                for &b in &c.branches {
                    let t = &chart.transitions()[b];
                    let to = chart.target_index(t);
                    let block = line_block(chart, here, container_at(chart, to));
                    let text = branch_label(t, label);
                    out.edges[block].push(line(id, &ids[to].0, t.change(), &text));
                }
            }
        }
    }
    out
}

pub(crate) fn mermaid(chart: &Chart) -> String {
    let ids = ids(chart, MERMAID_KEYWORDS, mermaid_drawn_as_is);
    let names: Vec<String> = ids.iter().map(|(id, _)| id.clone()).collect();
    let drawn = chart.drawn();
    let choices = choice_ids(&drawn, &names, |c| {
        plain_choice_id(chart, &names, MERMAID_KEYWORDS, c)
    });
    let top = chart.composites().len();
    let ContainerLines {
        choices: choice_lines,
        edges: edge_lines,
    } = container_lines(chart, &ids, &drawn, &choices, label, |from, to, _, text| {
        if text.is_empty() {
            format!("{from} --> {to}")
        } else {
            format!("{from} --> {to}: {}", mermaid_text(text))
        }
    });
    let children = chart.children();
    let mut out = String::from("stateDiagram-v2\n");
    for (block, depth) in chart.blocks() {
        let container = match block {
            Block::Open(c) | Block::Close(c) => c,
        };
        let pad = "    ".repeat(depth + 1);
        let states = children[container].iter().filter_map(|&n| match n {
            ChartNode::State(s) => Some(s),
            ChartNode::Composite(_) => None,
        });
        if let Block::Open(_) = block {
            if container < top {
                let c = &chart.composites()[container];
                let (id, aliased) = &ids[chart.node_index(ChartNode::Composite(container))];
                let outer = "    ".repeat(depth);
                if *aliased {
                    let _ = writeln!(
                        out,
                        "{outer}state \"{}\" as {id} {{",
                        mermaid_text(c.name())
                    );
                } else {
                    let _ = writeln!(out, "{outer}state {id} {{");
                }
            }
            for s in states {
                let (id, aliased) = &ids[s];
                if *aliased {
                    let name = mermaid_text(chart.states()[s].name());
                    let _ = writeln!(out, "{pad}state \"{name}\" as {id}");
                } else if container < top {
                    // A state is in the block that declares it.
                    let _ = writeln!(out, "{pad}{id}");
                }
            }
            for line in &choice_lines[container] {
                let _ = writeln!(out, "{pad}{line}");
            }
            let initial = chart.node_index(chart.initial_child(container));
            let _ = writeln!(out, "{pad}[*] --> {}", ids[initial].0);
            continue;
        }
        for line in &edge_lines[container] {
            let _ = writeln!(out, "{pad}{line}");
        }
        for s in states.clone() {
            if chart.states()[s].is_terminal() {
                let _ = writeln!(out, "{pad}{} --> [*]", ids[s].0);
            }
        }
        let notes = children[container].iter().filter_map(|&n| {
            let (summary, hooks) = (chart.node_summary(n), chart.node_hooks_text(n));
            let note = match (summary.is_empty(), hooks) {
                (true, None) => return None,
                (true, Some(hooks)) => String::from(hooks),
                (false, None) => summary,
                (false, Some(hooks)) => format!("{summary} ({hooks})"),
            };
            Some((chart.node_index(n), note))
        });
        for (node, note) in notes {
            let _ = writeln!(
                out,
                "{pad}note right of {}: {}",
                ids[node].0,
                mermaid_text(&note)
            );
        }
        if container < top {
            let _ = writeln!(out, "{}}}", "    ".repeat(depth));
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

/// A DOT edge statement `from -> to [label=..., style...];`, without an empty attribute list;
/// `ltail` and `lhead` clip it at a composite's cluster.
fn dot_edge(
    out: &mut String,
    from: &str,
    to: &str,
    label: &str,
    change: Change,
    ltail: Option<String>,
    lhead: Option<String>,
) {
    let mut attrs: Vec<String> = Vec::new();
    if !label.is_empty() {
        attrs.push(format!("label={}", dot_string(label)));
    }
    let style = dot_edge_style(change);
    if !style.is_empty() {
        attrs.push(style);
    }
    if let Some(cluster) = ltail {
        attrs.push(format!("ltail={}", dot_string(&cluster)));
    }
    if let Some(cluster) = lhead {
        attrs.push(format!("lhead={}", dot_string(&cluster)));
    }
    let _ = write!(out, "    {} -> {}", dot_string(from), dot_string(to));
    if !attrs.is_empty() {
        let _ = write!(out, " [{}]", attrs.join(", "));
    }
    out.push_str(";\n");
}

/// A DOT edge into or out of a composite: the anchor node (the composite's start point) and,
/// unless the other end is inside the composite (where Graphviz would warn), the cluster the
/// edge is clipped at.
struct DotEnd<'a> {
    node: &'a str,
    cluster: Option<String>,
}

/// The other end of a DOT edge, for [`DotEnd`]: a node, or a point in a container (see
/// [`Chart::container`]).
#[derive(Clone, Copy)]
enum Other {
    Node(ChartNode),
    In(usize),
}

pub(crate) fn dot(chart: &Chart) -> String {
    let drawn = chart.drawn();
    let top = chart.composites().len();
    let mut taken: Vec<String> = chart.states().iter().map(|s| s.name().into()).collect();
    // The start point's id: `[*]`, with `_` appended while a state has that name (a Rust
    // identifier never does, a name from definition JSON may; the point would swallow it).
    let mut start = String::from("[*]");
    while taken.contains(&start) {
        start.push('_');
    }
    taken.push(start.clone());
    // Each composite's start point, `Active.[*]`: the node its edges attach to, clipped at
    // its cluster's border.
    let mut used: BTreeSet<String> = taken.iter().cloned().collect();
    let mut anchors: Vec<String> = Vec::new();
    for c in chart.composites() {
        let mut id = format!("{}.[*]", c.name());
        while used.contains(&id) {
            id.push('_');
        }
        used.insert(id.clone());
        taken.push(id.clone());
        anchors.push(id);
    }
    // `Pending.pay`: a Rust identifier has no `.`, so it is never a state's name.
    let choices = choice_ids(&drawn, &taken, |c| {
        let event = chart.transitions()[c.branches[0]].event();
        Some(format!(
            "{}.{event}",
            chart.node_name(chart.node_at(c.from))
        ))
    });
    let cluster = |c: usize| format!("cluster_{}", chart.composites()[c].name());
    // Whether the other end of an edge (a node, or a point in a container: the start point
    // or a choice node) is inside composite `c`.
    let inside = |other: Other, c: usize| match other {
        Other::Node(n) => n == ChartNode::Composite(c) || chart.ancestors(n).any(|a| a == c),
        Other::In(k) => {
            k == c || (k < top && chart.ancestors(ChartNode::Composite(k)).any(|a| a == c))
        }
    };
    // The node an edge from or to `node` (a node index) attaches to, given its other end.
    let end = |node: usize, other: Other| -> DotEnd<'_> {
        match chart.node_at(node) {
            ChartNode::State(s) => DotEnd {
                node: chart.states()[s].name(),
                cluster: None,
            },
            ChartNode::Composite(c) => DotEnd {
                node: &anchors[c],
                cluster: (!inside(other, c)).then(|| cluster(c)),
            },
        }
    };
    let mut out = format!("digraph {} {{\n", dot_string(chart.name()));
    out.push_str("    rankdir=LR;\n");
    if chart.is_hierarchical() {
        out.push_str("    compound=true;\n");
    }
    out.push_str("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("    edge [fontname=\"Helvetica\"];\n");
    let _ = writeln!(
        out,
        "    {} [shape=point, width=0.15, label=\"\"];",
        dot_string(&start)
    );
    // The choice nodes of each container.
    let mut choice_nodes: Vec<Vec<String>> = Vec::from_iter((0..=top).map(|_| Vec::new()));
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
        choice_nodes[container_at(chart, item.from)].push(format!(
            "{} [shape=diamond, label=\"\", width=0.25, height=0.25, {style}];",
            dot_string(id)
        ));
    }
    let children = chart.children();
    for (block, depth) in chart.blocks() {
        let pad = "    ".repeat(depth + 1);
        let container = match block {
            Block::Close(c) => {
                if c < top {
                    let _ = writeln!(out, "{}}}", "    ".repeat(depth));
                }
                continue;
            }
            Block::Open(c) => c,
        };
        if container < top {
            let c = &chart.composites()[container];
            let outer = "    ".repeat(depth);
            let _ = writeln!(
                out,
                "{outer}subgraph {} {{",
                dot_string(&cluster(container))
            );
            match c.hooks_text() {
                Some(hooks) => {
                    let _ = writeln!(
                        out,
                        "{pad}label=<{}<br/><font point-size=\"10\">{hooks}</font>>;",
                        dot_html(c.name())
                    );
                }
                None => {
                    let _ = writeln!(out, "{pad}label={};", dot_string(c.name()));
                }
            }
            let summary = c.summary();
            if !summary.is_empty() {
                let _ = writeln!(out, "{pad}tooltip={};", dot_tooltip(&summary));
            }
            let _ = writeln!(out, "{pad}style=rounded;");
            let _ = writeln!(
                out,
                "{pad}{} [shape=point, width=0.1, label=\"\"];",
                dot_string(&anchors[container])
            );
        }
        for &node in &children[container] {
            let ChartNode::State(s) = node else { continue };
            let state = &chart.states()[s];
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
            out.push_str(&pad);
            out.push_str(&dot_string(state.name()));
            if !attrs.is_empty() {
                let _ = write!(out, " [{}]", attrs.join(", "));
            }
            out.push_str(";\n");
        }
        for line in &choice_nodes[container] {
            let _ = writeln!(out, "{pad}{line}");
        }
    }
    let first = end(chart.node_index(chart.top_initial()), Other::In(top));
    dot_edge(
        &mut out,
        &start,
        first.node,
        "",
        Change::Unchanged,
        None,
        first.cluster,
    );
    for (c, anchor) in anchors.iter().enumerate() {
        let child = chart.node_index(chart.composites()[c].initial());
        let to = end(child, Other::In(c));
        dot_edge(
            &mut out,
            anchor,
            to.node,
            "",
            Change::Unchanged,
            None,
            to.cluster,
        );
    }
    let mut choice_id = choices.iter();
    for item in &drawn {
        match item {
            Drawn::Arrow(i) => {
                let t = &chart.transitions()[*i];
                let (from, to) = (chart.source_index(t), chart.target_index(t));
                let text = t.label_tail(dot_label(&t.label_head(), t.change()));
                let tail = end(from, Other::Node(chart.node_at(to)));
                let head = end(to, Other::Node(chart.node_at(from)));
                let (ltail, lhead) = (tail.cluster, head.cluster);
                dot_edge(
                    &mut out,
                    tail.node,
                    head.node,
                    &text,
                    t.change(),
                    ltail,
                    lhead,
                );
            }
            Drawn::Choice(c) => {
                let Some(id) = choice_id.next() else { break };
                let here = container_at(chart, c.from);
                let event = chart.transitions()[c.branches[0]].event();
                let tail = end(c.from, Other::In(here));
                dot_edge(
                    &mut out,
                    tail.node,
                    id,
                    &dot_label(event, c.change),
                    c.change,
                    tail.cluster,
                    None,
                );
                for &b in &c.branches {
                    let t = &chart.transitions()[b];
                    let text = branch_label(t, dot_label);
                    let head = end(chart.target_index(t), Other::In(here));
                    dot_edge(
                        &mut out,
                        id,
                        head.node,
                        &text,
                        t.change(),
                        None,
                        head.cluster,
                    );
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
    let top = chart.composites().len();
    let ContainerLines {
        choices: choice_lines,
        edges: edge_lines,
    } = container_lines(
        chart,
        &ids,
        &drawn,
        &choices,
        plantuml_label,
        |from, to, change, text| {
            let arrow = plantuml_arrow(change);
            if text.is_empty() {
                format!("{from} {arrow} {to}")
            } else {
                format!("{from} {arrow} {to} : {text}")
            }
        },
    );
    let children = chart.children();
    let mut out = String::from("@startuml\n");
    let _ = writeln!(out, "title {}", plantuml_text(chart.name()));
    out.push_str("hide empty description\n");
    for (block, depth) in chart.blocks() {
        let container = match block {
            Block::Open(c) | Block::Close(c) => c,
        };
        // The top level is not indented, as before composites existed.
        let pad = "  ".repeat(depth);
        let states = children[container].iter().filter_map(|&n| match n {
            ChartNode::State(s) => Some(s),
            ChartNode::Composite(_) => None,
        });
        if let Block::Open(_) = block {
            if container < top {
                let c = &chart.composites()[container];
                let (id, aliased) = &ids[chart.node_index(ChartNode::Composite(container))];
                let outer = "  ".repeat(depth - 1);
                if *aliased {
                    let _ = writeln!(
                        out,
                        "{outer}state \"{}\" as {id} {{",
                        plantuml_text(c.name())
                    );
                } else {
                    let _ = writeln!(out, "{outer}state {id} {{");
                }
            }
            for s in states {
                let state = &chart.states()[s];
                let (id, aliased) = &ids[s];
                let colour = match state.change() {
                    Change::Unchanged => String::new(),
                    // Colours inside the `#back;line:...` spec are written without their `#`.
                    Change::Added => {
                        format!(" {ADDED_FILL};line:{0};line.bold;text:{0}", &ADDED[1..])
                    }
                    Change::Removed => {
                        format!(" #f6f8fa;line:{0};line.dashed;text:{0}", &REMOVED[1..])
                    }
                };
                if *aliased {
                    let _ = writeln!(
                        out,
                        "{pad}state \"{}\" as {id}{colour}",
                        plantuml_text(state.name())
                    );
                } else if !colour.is_empty() || container < top {
                    // A state is in the block that declares it.
                    let _ = writeln!(out, "{pad}state {id}{colour}");
                }
            }
            for line in &choice_lines[container] {
                let _ = writeln!(out, "{pad}{line}");
            }
            let initial = chart.node_index(chart.initial_child(container));
            let _ = writeln!(out, "{pad}[*] --> {}", ids[initial].0);
            continue;
        }
        for line in &edge_lines[container] {
            let _ = writeln!(out, "{pad}{line}");
        }
        for s in states.clone() {
            if chart.states()[s].is_terminal() {
                let _ = writeln!(out, "{pad}{} --> [*]", ids[s].0);
            }
        }
        for &n in &children[container] {
            if let Some(hooks) = chart.node_hooks_text(n) {
                let _ = writeln!(out, "{pad}{} : {hooks}", ids[chart.node_index(n)].0);
            }
        }
        for &n in &children[container] {
            let summary = chart.node_summary(n);
            if !summary.is_empty() {
                let _ = writeln!(
                    out,
                    "{pad}note right of {} : {}",
                    ids[chart.node_index(n)].0,
                    plantuml_text(&summary)
                );
            }
        }
        if container < top {
            let _ = writeln!(out, "{}}}", "  ".repeat(depth - 1));
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

/// The hooks comment, `<onentry/>` and `<onexit/>` of a state or composite, and its
/// transitions (the branches of a choice together), indented by `pad`.
fn scxml_body(
    out: &mut String,
    chart: &Chart,
    pad: &str,
    (hooks, entry, exit): (Option<&str>, bool, bool),
    groups: &[Vec<&ChartTransition>],
) {
    if let Some(hooks) = hooks {
        let _ = writeln!(out, "{pad}<!-- {hooks} in the machine's Rust code -->");
        if entry {
            let _ = writeln!(out, "{pad}<onentry/>");
        }
        if exit {
            let _ = writeln!(out, "{pad}<onexit/>");
        }
    }
    for group in groups {
        if group.len() > 1 {
            let _ = writeln!(
                out,
                "{pad}<!-- a choice: the caller picks one of the next {} targets; SCXML would take the first -->",
                group.len()
            );
        }
        for t in group {
            if t.is_guarded() {
                let _ = writeln!(
                    out,
                    "{pad}<!-- guarded: the caller may decline the next transition; the machine then stays -->",
                );
            }
            let _ = writeln!(
                out,
                "{pad}<transition event=\"{}\" target=\"{}\"/>",
                xml_text(t.event()),
                xml_text(chart.node_name(t.target()))
            );
        }
    }
}

pub(crate) fn scxml(chart: &Chart) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\" name=\"{}\" initial=\"{}\">",
        xml_text(chart.name()),
        xml_text(chart.node_name(chart.top_initial()))
    );
    let live = |t: &&ChartTransition| t.change() != Change::Removed;
    // Each node's transitions of the new version, as declared on it, the branches of a choice
    // together: one pass over the drawn items (all of an item's transitions have the same
    // source).
    let nodes = chart.states().len() + chart.composites().len();
    let mut groups_of: Vec<Vec<Vec<&ChartTransition>>> =
        Vec::from_iter((0..nodes).map(|_| Vec::new()));
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
        if let Some(groups) = group
            .first()
            .and_then(|t| groups_of.get_mut(chart.source_index(t)))
        {
            groups.push(group);
        }
    }
    let top = chart.composites().len();
    let children = chart.children();
    for (block, depth) in chart.blocks() {
        let pad = "  ".repeat(depth + 1);
        let container = match block {
            Block::Close(c) => {
                if c < top {
                    let _ = writeln!(out, "{}</state>", "  ".repeat(depth));
                }
                continue;
            }
            Block::Open(c) => c,
        };
        if container < top {
            let c = &chart.composites()[container];
            let _ = writeln!(
                out,
                "{}<state id=\"{}\" initial=\"{}\">",
                "  ".repeat(depth),
                xml_text(c.name()),
                xml_text(chart.node_name(c.initial()))
            );
            let hooks = (c.hooks_text(), c.has_entry_hook(), c.has_exit_hook());
            let groups = &groups_of[chart.node_index(ChartNode::Composite(container))];
            scxml_body(&mut out, chart, &pad, hooks, groups);
        }
        for &node in &children[container] {
            let ChartNode::State(s) = node else { continue };
            let state = &chart.states()[s];
            if state.change() == Change::Removed {
                continue;
            }
            let tag = if state.is_terminal() {
                "final"
            } else {
                "state"
            };
            let hooks = state.hooks_text();
            let groups = &groups_of[s];
            if groups.is_empty() && hooks.is_none() {
                let _ = writeln!(out, "{pad}<{tag} id=\"{}\"/>", xml_text(state.name()));
                continue;
            }
            let _ = writeln!(out, "{pad}<{tag} id=\"{}\">", xml_text(state.name()));
            let inner = format!("{pad}  ");
            let hooks = (hooks, state.has_entry_hook(), state.has_exit_hook());
            scxml_body(&mut out, chart, &inner, hooks, groups);
            let _ = writeln!(out, "{pad}</{tag}>");
        }
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
    let composite_hooks = chart.composites().iter().filter_map(|c| {
        let which = match (c.has_entry_hook(), c.has_exit_hook()) {
            (true, true) => "entry / exit",
            (true, false) => "entry",
            (false, true) => "exit",
            (false, false) => return None,
        };
        Some(format!("{} ({which})", code(c.name())))
    });
    let hooks: Vec<String> = hooks.into_iter().chain(composite_hooks).collect();
    if !hooks.is_empty() {
        let _ = write!(out, " Hooks: {}.", hooks.join(", "));
    }
    out.push_str("\n\n");
    if chart.is_hierarchical() {
        // Where each state and composite is: the composites it is inside, outermost first.
        // A table cell: ` text ` or, at the top level, ` `.
        let path = |node: ChartNode| {
            let mut names: Vec<String> = chart
                .ancestors(node)
                .map(|c| code(chart.composites()[c].name()))
                .collect();
            names.reverse();
            if names.is_empty() {
                String::from(" ")
            } else {
                format!(" {} ", names.join(" / "))
            }
        };
        out.push_str("| state | parent |\n| --- | --- |\n");
        for (i, s) in chart.states().iter().enumerate() {
            let _ = writeln!(out, "| {} |{}|", code(s.name()), path(ChartNode::State(i)));
        }
        out.push_str("\n| composite state | parent | initial |\n| --- | --- | --- |\n");
        for (i, c) in chart.composites().iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} |{}| {} |",
                code(c.name()),
                path(ChartNode::Composite(i)),
                code(chart.node_name(c.initial()))
            );
        }
        out.push('\n');
    }
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
    // A composite's transition once, from the composite, to what it targets as declared.
    for i in chart.declared() {
        let t = &chart.transitions()[i];
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
            code(chart.node_name(t.source())),
            code(t.event()),
            code(chart.node_name(t.target()))
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
