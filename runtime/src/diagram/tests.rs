//! The text formats, exactly, for the unit-test order machine; escaping; diffs; JSON.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Change, Chart, ChartError, Diff, Format};
use crate::Definition;
use crate::fixture::ORDER;

#[test]
fn mermaid_of_order() {
    assert_eq!(
        ORDER.mermaid(),
        "stateDiagram-v2
    [*] --> Pending
    Pending --> Paid: pay
    Pending --> Cancelled: cancel
    Paid --> Shipped: ship
    Paid --> Cancelled: cancel
    Shipped --> Delivered: deliver
    Delivered --> [*]
    Cancelled --> [*]
    note right of Pending: Created.
"
    );
}

#[test]
fn dot_of_order() {
    assert_eq!(
        ORDER.dot(),
        r#"digraph "Order" {
    rankdir=LR;
    node [shape=box, style=rounded, fontname="Helvetica"];
    edge [fontname="Helvetica"];
    "[*]" [shape=point, width=0.15, label=""];
    "Pending" [tooltip="Created."];
    "Paid";
    "Shipped";
    "Delivered" [peripheries=2];
    "Cancelled" [peripheries=2];
    "[*]" -> "Pending";
    "Pending" -> "Paid" [label="pay"];
    "Pending" -> "Cancelled" [label="cancel"];
    "Paid" -> "Shipped" [label="ship"];
    "Paid" -> "Cancelled" [label="cancel"];
    "Shipped" -> "Delivered" [label="deliver"];
}
"#
    );
}

#[test]
fn plantuml_of_order() {
    assert_eq!(
        ORDER.plantuml(),
        "@startuml
title Order
hide empty description
[*] --> Pending
Pending --> Paid : pay
Pending --> Cancelled : cancel
Paid --> Shipped : ship
Paid --> Cancelled : cancel
Shipped --> Delivered : deliver
Delivered --> [*]
Cancelled --> [*]
note right of Pending : Created.
@enduml
"
    );
}

#[test]
fn scxml_of_order() {
    assert_eq!(
        ORDER.scxml(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="Order" initial="Pending">
  <state id="Pending">
    <transition event="pay" target="Paid"/>
    <transition event="cancel" target="Cancelled"/>
  </state>
  <state id="Paid">
    <transition event="ship" target="Shipped"/>
    <transition event="cancel" target="Cancelled"/>
  </state>
  <state id="Shipped">
    <transition event="deliver" target="Delivered"/>
  </state>
  <final id="Delivered"/>
  <final id="Cancelled"/>
</scxml>
"#
    );
}

#[test]
fn markdown_and_json_of_order() {
    assert_eq!(
        ORDER.chart().markdown(),
        "Initial state: `Pending`. Terminal: `Delivered`, `Cancelled`.

| from | event | to |
| --- | --- | --- |
| `Pending` | `pay` | `Paid` |
| `Pending` | `cancel` | `Cancelled` |
| `Paid` | `ship` | `Shipped` |
| `Paid` | `cancel` | `Cancelled` |
| `Shipped` | `deliver` | `Delivered` |
"
    );
    assert_eq!(
        ORDER.to_json(),
        r#"{
  "format": "statewright-definition/1",
  "machine": "Order",
  "doc": "An order.",
  "initial": "Pending",
  "states": [
    {"name": "Pending", "doc": "Created.", "terminal": false},
    {"name": "Paid", "doc": "", "terminal": false},
    {"name": "Shipped", "doc": "", "terminal": false},
    {"name": "Delivered", "doc": "", "terminal": true},
    {"name": "Cancelled", "doc": "", "terminal": true}
  ],
  "transitions": [
    {"from": "Pending", "event": "pay", "to": "Paid"},
    {"from": "Pending", "event": "cancel", "to": "Cancelled"},
    {"from": "Paid", "event": "ship", "to": "Shipped"},
    {"from": "Paid", "event": "cancel", "to": "Cancelled"},
    {"from": "Shipped", "event": "deliver", "to": "Delivered"}
  ]
}
"#
    );
}

#[test]
fn render_dispatches_on_the_format() {
    let chart = ORDER.chart();
    assert_eq!(chart.render(Format::Mermaid), chart.mermaid());
    assert_eq!(chart.render(Format::Dot), chart.dot());
    assert_eq!(chart.render(Format::PlantUml), chart.plantuml());
    assert_eq!(chart.render(Format::Scxml), chart.scxml());
    assert_eq!(chart.render(Format::Markdown), chart.markdown());
    assert_eq!(chart.render(Format::Json), chart.to_json());
    assert_eq!(chart.render(Format::Svg), chart.svg());
    for format in Format::ALL {
        assert_eq!(Format::from_name(format.name()), Some(format));
        assert_eq!(Format::from_name(format.extension()), Some(format));
    }
}

/// A machine whose names and docs need escaping in every format.
fn awkward() -> Chart {
    let mut chart = Chart::builder("Caf\u{e9}Machine");
    let cafe = chart
        .state("Caf\u{e9}")
        .initial()
        .doc("Says \"hi\" <b>&</b> #1; 50% // --note-- **bold**\\n\nsecond line\n\nnot shown")
        .id();
    let end = chart.state("end").terminal().doc("\u{1}control\ttab").id();
    let s1 = chart.state("s1").id();
    chart
        .transition(cafe, "order", s1)
        .transition(s1, "finish", end)
        .transition(s1, "wait", s1);
    chart.build().unwrap()
}

#[test]
fn mermaid_escapes_names_and_docs() {
    let out = awkward().mermaid();
    assert_eq!(
        out,
        "stateDiagram-v2
    state \"Caf\u{e9}\" as s0
    state \"end\" as s1_
    [*] --> s0
    s0 --> s1: order
    s1 --> s1_: finish
    s1 --> s1: wait
    s1_ --> [*]
    note right of s0: Says #quot;hi#quot; #lt;b#gt;#amp;#lt;/b#gt; #35;1#59; 50#37; // --note-- #42;#42;bold#42;#42;#92;n second line
    note right of s1_: control tab
"
    );
}

/// What Mermaid would read as syntax, each case written as text. The expectations are what
/// mermaid-cli 11.17.0 draws as written (`tools/renderers/check.sh` renders the torture
/// machine, which holds every case); the comments say what the plain text did there.
#[test]
fn mermaid_writes_its_syntax_as_text() {
    let docs = [
        // A parse error: a note's text ends at a colon; a label cannot end with one.
        (
            "Closed",
            "CLOSED: no connection",
            "CLOSED#58; no connection",
        ),
        // Markdown: `*x*`, `_x_` and `\*` were drawn as italics and a bare `*`.
        (
            "Emphasis",
            "**bold** _under_ snake_case a_ \\* x",
            "#42;#42;bold#42;#42; #95;under#95; snake_case a#95; #92;#42; x",
        ),
        // The whole line was read as a `direction` statement and the note dropped.
        (
            "Turning",
            "change direction LR, Redirection\ttb",
            "change direction#32;LR, Redirection#32;tb",
        ),
        // `[[fork]]` in a name made the state a fork; in a note it is harmless but escaped too.
        ("Fork", "a [[fork]] b", "a #91;[fork]] b"),
    ];
    let mut chart = Chart::builder("Syntax");
    for (i, (name, doc, _)) in docs.iter().enumerate() {
        let mut state = chart.state(name);
        state.doc(doc);
        if i == 0 {
            state.initial();
        }
    }
    // Names Mermaid reads as keywords (`scale` and `href` stopped the parse) or as Markdown.
    let scale = chart.state("scale").id();
    let draft = chart.state("_Draft_").id();
    let fork = chart.state("x [[fork]]").id();
    chart
        .transition(0, "a::b", scale)
        .transition(scale, "ends:", draft)
        .transition(draft, "_em_", fork);
    let out = chart.build().unwrap().mermaid();
    for (name, _, note) in docs {
        assert!(
            out.contains(&alloc::format!("    note right of {name}: {note}\n")),
            "{out}"
        );
    }
    for line in [
        "    state \"scale\" as s4\n",
        "    state \"#95;Draft#95;\" as s5\n",
        "    state \"x #91;[fork]]\" as s6\n",
        "    Closed --> s4: a#58;#58;b\n",
        "    s4 --> s5: ends#58;\n",
        "    s5 --> s6: #95;em#95;\n",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
}

#[test]
fn dot_escapes_names_and_docs() {
    let out = awkward().dot();
    assert!(out.contains(
        "    \"Caf\u{e9}\" [tooltip=\"Says \\\"hi\\\" <b>&amp;</b> #1; 50% // --note-- **bold**\\\\\\\\n second line\"];\n"
    ), "{out}");
    assert!(out.contains("    \"end\" [peripheries=2, tooltip=\"control tab\"];\n"));
    assert!(out.contains("    \"s1\" -> \"s1\" [label=\"wait\"];\n"));
}

/// What Graphviz would decode or expand, each case written so that it is drawn as written.
/// The expectations are what Graphviz 2.43 draws (`tools/renderers/check.sh` renders the
/// torture machine and a chart of odd names); the comments say what the previous escaping did.
#[test]
fn dot_writes_entities_and_escapes_as_text() {
    let mut chart = Chart::builder("Graphviz");
    // `&amp;` was drawn as `&` and `&#59;` as `;`: Graphviz decodes entities in strings.
    let a = chart.state("a &amp; b").initial().doc("x &#59; y").id();
    // In a tooltip `\\N` became the node's name: Graphviz reads its escapes twice. In an
    // HTML-like label (a state with hooks) a bare `\N` did.
    let b = chart.state("c \\N").entry_hook().doc("d \\N").id();
    // A state named `[*]` was the start point itself, drawn without its name.
    let c = chart.state("[*]").terminal().id();
    chart.transition(a, "e&f", b).transition(b, "g", c);
    let out = chart.build().unwrap().dot();
    for line in [
        "    \"[*]_\" [shape=point, width=0.15, label=\"\"];\n",
        "    \"a &amp;amp; b\" [tooltip=\"x &amp;#59; y\"];\n",
        "    \"c \\\\N\" [tooltip=\"d \\\\\\\\N\", label=<c \\\\N<br/><font point-size=\"10\">entry hook</font>>];\n",
        "    \"[*]\" [peripheries=2];\n",
        "    \"[*]_\" -> \"a &amp;amp; b\";\n",
        "    \"a &amp;amp; b\" -> \"c \\\\N\" [label=\"e&amp;f\"];\n",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
}

#[test]
fn plantuml_escapes_names_and_docs() {
    let out = awkward().plantuml();
    assert!(
        out.contains("state \"Caf\u{e9}\" as s0\nstate \"end\" as s1_\n"),
        "{out}"
    );
    assert!(out.contains(
        "note right of s0 : Says &#34;hi&#34; &#60;b&#62;&#38;&#60;/b&#62; &#35;1; 50% &#47;/ &#45;-note&#45;- &#42;*bold&#42;*\\\\n second line\n"
    ), "{out}");
}

/// What PlantUML would read as markup or choke on, each case written as text. The
/// expectations are what Debian's PlantUML 1.2020.2 draws as written without a word on
/// standard error (`tools/renderers/check.sh` renders the torture machine and a chart of odd
/// names); the comments say what the previous escaping did there.
#[test]
fn plantuml_writes_its_markup_as_text() {
    let docs = [
        // `&#92;` threw in PlantUML, which drew the stack trace and exited with 0.
        ("Slash", "back\\slash \\n", "back\\\\slash \\\\n"),
        // `~~` before a doubled `~` escaped nothing: a wavy underline.
        (
            "Wave",
            "~~wave~~ ~x",
            "&#126;&#126;wave&#126;&#126; &#126;x",
        ),
        // `~==`, `~||` and `~''` were drawn with their `~`; `[[x]]` was a link.
        (
            "Pairs",
            "a == b || c '' d [[e]] **f**",
            "a &#61;= b &#124;| c &#39;' d &#91;[e]] &#42;*f&#42;*",
        ),
        // A list item: the `*` disappeared.
        ("Star", "*x* and $y", "&#42;x* and $y"),
    ];
    let mut chart = Chart::builder("Markup");
    for (i, (name, doc, _)) in docs.iter().enumerate() {
        let mut state = chart.state(name);
        state.doc(doc);
        if i == 0 {
            state.initial();
        }
    }
    // A single `"` ended the quoted name: a syntax error. `+ x` showed a visibility icon.
    let quoted = chart.state("say \"hi").id();
    chart
        .transition(0, "+ x", quoted)
        .transition(quoted, "*star*", 0);
    let out = chart.build().unwrap().plantuml();
    for (name, _, note) in docs {
        assert!(
            out.contains(&alloc::format!("note right of {name} : {note}\n")),
            "{out}"
        );
    }
    for line in [
        "state \"say &#34;hi\" as s4\n",
        "Slash --> s4 : &#43; x\n",
        "s4 --> Slash : &#42;star*\n",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
}

#[test]
fn scxml_escapes_names() {
    let mut chart = Chart::builder("A<&>\"'");
    let a = chart.state("A").initial().id();
    chart.transition(a, "x\"y", a);
    let out = chart.build().unwrap().scxml();
    assert!(out.contains("name=\"A&lt;&amp;&gt;&quot;&apos;\""), "{out}");
    assert!(
        out.contains("<transition event=\"x&quot;y\" target=\"A\"/>"),
        "{out}"
    );
}

#[test]
fn builder_rejects_inconsistent_charts() {
    assert_eq!(Chart::builder("M").build(), Err(ChartError::NoStates));
    let mut two = Chart::builder("M");
    two.state("A").initial();
    two.state("B").initial();
    assert_eq!(two.build(), Err(ChartError::Initial { count: 2 }));
    let mut none = Chart::builder("M");
    none.state("A");
    assert_eq!(none.build(), Err(ChartError::Initial { count: 0 }));
    let mut dup = Chart::builder("M");
    dup.state("A").initial();
    dup.state("A");
    assert_eq!(dup.build(), Err(ChartError::DuplicateState("A".into())));
    let mut bad = Chart::builder("M");
    let a = bad.state("A").initial().id();
    bad.transition(a, "go", 5);
    assert_eq!(bad.build(), Err(ChartError::UnknownState("#5".into())));
    let mut twice = Chart::builder("M");
    let a = twice.state("A").initial().id();
    twice.transition(a, "go", a).transition(a, "go", a);
    assert_eq!(
        twice.build().map_err(|e| e.to_string()),
        Err("state `A` leaves by `go` to `A` twice".into())
    );
    // A guard does not make a second transition to the same target a different one.
    let mut twice = Chart::builder("M");
    let a = twice.state("A").initial().id();
    let b = twice.state("B").id();
    twice.transition(a, "go", b).transition_guarded(a, "go", b);
    assert_eq!(
        twice.build(),
        Err(ChartError::DuplicateTransition {
            from: "A".into(),
            event: "go".into(),
            to: "B".into()
        })
    );
}

fn order_v2() -> Chart {
    // Order with `refund` from Paid, `ship` gone from Paid, a new `Refunded` state and
    // `Shipped` no longer reachable, so removed.
    let mut chart = Chart::builder("Order");
    let pending = chart.state("Pending").initial().doc("Created.").id();
    let paid = chart.state("Paid").id();
    let refunded = chart.state("Refunded").terminal().id();
    let delivered = chart.state("Delivered").terminal().id();
    let cancelled = chart.state("Cancelled").terminal().id();
    chart
        .transition(pending, "pay", paid)
        .transition(pending, "cancel", cancelled)
        .transition(paid, "refund", refunded)
        .transition(paid, "cancel", cancelled)
        .transition(paid, "deliver", delivered);
    chart.build().unwrap()
}

#[test]
fn diff_lists_every_change_and_marks_the_chart() {
    let diff = Diff::new(&ORDER.chart(), &order_v2());
    assert_eq!(
        diff.to_string(),
        "+ state Refunded
- state Shipped
+ Paid --refund--> Refunded
+ Paid --deliver--> Delivered
- Paid --ship--> Shipped
- Shipped --deliver--> Delivered
"
    );
    let chart = diff.chart();
    let marks: Vec<(String, Change)> = chart
        .states()
        .iter()
        .map(|s| (s.name().to_string(), s.change()))
        .collect();
    assert_eq!(
        marks,
        [
            ("Pending".into(), Change::Unchanged),
            ("Paid".into(), Change::Unchanged),
            ("Refunded".into(), Change::Added),
            ("Delivered".into(), Change::Unchanged),
            ("Cancelled".into(), Change::Unchanged),
            ("Shipped".into(), Change::Removed),
        ]
    );
    let mermaid = chart.mermaid();
    assert!(
        mermaid.contains("    Paid --> Refunded: + refund\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("    Paid --> Shipped: - s\u{336}h\u{336}i\u{336}p\u{336}\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("    class Refunded added\n    class Shipped removed\n"));
    let dot = chart.dot();
    assert!(dot.contains("\"Paid\" -> \"Shipped\" [label=\"- ship\", color=\"#8c959f\", fontcolor=\"#8c959f\", style=dashed];"), "{dot}");
    assert!(
        dot.contains("\"Refunded\" [peripheries=2, color=\"#1a7f37\""),
        "{dot}"
    );
    // PlantUML (checked with PlantUML 1.2020): `+`/`-` as entities, or they become icons.
    let plantuml = chart.plantuml();
    assert!(
        plantuml.contains("Paid -[#1a7f37,bold]-> Refunded : &#43; refund\n"),
        "{plantuml}"
    );
    assert!(
        plantuml.contains("Paid -[#8c959f,dashed]-> Shipped : &#45; ship\n"),
        "{plantuml}"
    );
    assert!(plantuml.contains("state Refunded #dafbe1;line:1a7f37;line.bold;text:1a7f37\n"));
    assert!(plantuml.contains("state Shipped #f6f8fa;line:8c959f;line.dashed;text:8c959f\n"));
    // The diff chart is itself a valid chart: its JSON reads back the same in the CLI.
    assert!(chart.to_json().contains(
        "{\"name\": \"Shipped\", \"doc\": \"\", \"terminal\": false, \"change\": \"removed\"}"
    ));
}

#[test]
fn diff_of_equal_charts_is_empty() {
    let diff = ORDER.chart().diff(&ORDER.chart());
    assert!(diff.is_empty());
    assert_eq!(diff.to_string(), "no changes\n");
    assert_eq!(diff.chart(), &ORDER.chart());
}

#[test]
fn diff_reports_initial_terminal_and_doc_changes() {
    let mut old = Chart::builder("M");
    let a = old.state("A").initial().doc("one").id();
    let b = old.state("B").id();
    old.transition(a, "go", b).transition(b, "back", a);
    let mut new = Chart::builder("N");
    let a2 = new.state("A").doc("two").id();
    let b2 = new.state("B").initial().terminal().id();
    new.transition(a2, "go", b2);
    let diff = Diff::new(&old.build().unwrap(), &new.build().unwrap());
    assert_eq!(
        diff.lines(),
        [
            "~ machine: M -> N",
            "~ state A: doc changed",
            "~ state B: now terminal",
            "~ initial: A -> B",
            "- B --back--> A",
        ]
    );
}

#[test]
fn summaries_and_file_stems() {
    assert_eq!(
        super::summary("\n  First line\n  goes on.\n\n Second."),
        "First line goes on."
    );
    assert_eq!(super::snake_case("TrafficLight"), "traffic_light");
    assert_eq!(super::snake_case("HTTPServer"), "http_server");
    assert_eq!(super::snake_case("Order"), "order");
    assert_eq!(super::snake_case("Tcp2Conn"), "tcp2_conn");
}

#[cfg(feature = "serde")]
#[test]
fn json_reads_back_what_it_writes() {
    for chart in [
        ORDER.chart(),
        awkward(),
        Diff::new(&ORDER.chart(), &order_v2()).chart().clone(),
    ] {
        let back: Chart = serde_json::from_str(&chart.to_json()).unwrap();
        assert_eq!(back, chart);
    }
}

#[cfg(feature = "serde")]
#[test]
fn json_rejects_bad_files_with_a_reason() {
    let json = ORDER.to_json();
    let cases = [
        (
            json.replace("\"to\": \"Paid\"", "\"to\": \"Payd\""),
            "a transition names `Payd`, which is not a state",
        ),
        (
            json.replace("statewright-definition/1", "statewright-definition/9"),
            "unsupported format `statewright-definition/9`",
        ),
        (
            json.replace("\"initial\": \"Pending\"", "\"initial\": \"Nowhere\""),
            "a transition names `Nowhere`",
        ),
        (
            json.replace("\"Shipped\", \"doc\"", "\"Paid\", \"doc\""),
            "state `Paid` is defined twice",
        ),
        (json[..json.len() / 2].into(), "EOF while parsing"),
        ("[1, 2]".into(), "invalid type"),
    ];
    for (text, expected) in cases {
        let error = serde_json::from_str::<Chart>(&text)
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{error}");
    }
}

/// A payment machine with a choice (`pay -> Paid | Declined`), a guard (`refund -> Refunded?`)
/// and hooks, built the way generated code builds it:
///
/// ```text
/// Payment (initial: Pending)
///   Pending --pay--> Paid | Declined
///   Pending --cancel--> Cancelled
///   Paid --refund--> Refunded?          entry hook on Paid
///   Declined --retry--> Pending         exit hook on Declined
///   Declined --cancel--> Cancelled
///   terminal: Refunded (entry and exit hooks), Cancelled
/// ```
static PAYMENT: Definition = crate::__private::definition(
    "Payment",
    "A payment.",
    &["Pending", "Paid", "Declined", "Refunded", "Cancelled"],
    &["Created.", "Captured.", "", "", ""],
    &[false, false, false, true, true],
    &[0, 3, 4, 6, 6, 6],
    &["pay", "cancel", "refund", "retry"],
    &[0, 1, 0, 2, 1, 4, 2, 3, 3, 0, 1, 4],
    0,
    &[3],
    &[0, 1, 2, 3, 0],
    &[],
);

#[test]
fn a_definition_charts_its_choices_guards_and_hooks() {
    let chart = PAYMENT.chart();
    let flags: Vec<(bool, bool)> = chart
        .transitions()
        .iter()
        .map(|t| (t.is_choice(), t.is_guarded()))
        .collect();
    assert_eq!(
        flags,
        [
            (true, false),
            (true, false),
            (false, false),
            (false, true),
            (false, false),
            (false, false)
        ]
    );
    let hooks: Vec<(bool, bool)> = chart
        .states()
        .iter()
        .map(|s| (s.has_entry_hook(), s.has_exit_hook()))
        .collect();
    assert_eq!(
        hooks,
        [
            (false, false),
            (true, false),
            (false, true),
            (true, true),
            (false, false)
        ]
    );
    // A machine without them has none, and keeps its fingerprint.
    assert!(
        ORDER
            .chart()
            .transitions()
            .iter()
            .all(|t| !t.is_choice() && !t.is_guarded())
    );
    assert_eq!(ORDER.chart().fingerprint(), ORDER.fingerprint());
    assert_eq!(chart.fingerprint(), PAYMENT.fingerprint());
}

#[test]
fn mermaid_of_payment() {
    assert_eq!(
        PAYMENT.mermaid(),
        "stateDiagram-v2
    state Pending_pay <<choice>>
    [*] --> Pending
    Pending --> Pending_pay: pay
    Pending_pay --> Paid
    Pending_pay --> Declined
    Pending --> Cancelled: cancel
    Paid --> Refunded: refund [guard]
    Declined --> Pending: retry
    Declined --> Cancelled: cancel
    Refunded --> [*]
    Cancelled --> [*]
    note right of Pending: Created.
    note right of Paid: Captured. (entry hook)
    note right of Declined: exit hook
    note right of Refunded: entry / exit hooks
"
    );
}

#[test]
fn dot_of_payment() {
    assert_eq!(
        PAYMENT.dot(),
        r#"digraph "Payment" {
    rankdir=LR;
    node [shape=box, style=rounded, fontname="Helvetica"];
    edge [fontname="Helvetica"];
    "[*]" [shape=point, width=0.15, label=""];
    "Pending" [tooltip="Created."];
    "Paid" [tooltip="Captured.", label=<Paid<br/><font point-size="10">entry hook</font>>];
    "Declined" [label=<Declined<br/><font point-size="10">exit hook</font>>];
    "Refunded" [peripheries=2, label=<Refunded<br/><font point-size="10">entry / exit hooks</font>>];
    "Cancelled" [peripheries=2];
    "Pending.pay" [shape=diamond, label="", width=0.25, height=0.25, style=solid];
    "[*]" -> "Pending";
    "Pending" -> "Pending.pay" [label="pay"];
    "Pending.pay" -> "Paid";
    "Pending.pay" -> "Declined";
    "Pending" -> "Cancelled" [label="cancel"];
    "Paid" -> "Refunded" [label="refund [guard]"];
    "Declined" -> "Pending" [label="retry"];
    "Declined" -> "Cancelled" [label="cancel"];
}
"#
    );
}

#[test]
fn plantuml_of_payment() {
    assert_eq!(
        PAYMENT.plantuml(),
        "@startuml
title Payment
hide empty description
state Pending_pay <<choice>>
[*] --> Pending
Pending --> Pending_pay : pay
Pending_pay --> Paid
Pending_pay --> Declined
Pending --> Cancelled : cancel
Paid --> Refunded : refund [guard]
Declined --> Pending : retry
Declined --> Cancelled : cancel
Refunded --> [*]
Cancelled --> [*]
Paid : entry hook
Declined : exit hook
Refunded : entry / exit hooks
note right of Pending : Created.
note right of Paid : Captured.
@enduml
"
    );
}

#[test]
fn scxml_of_payment() {
    assert_eq!(
        PAYMENT.scxml(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="Payment" initial="Pending">
  <state id="Pending">
    <!-- a choice: the caller picks one of the next 2 targets; SCXML would take the first -->
    <transition event="pay" target="Paid"/>
    <transition event="pay" target="Declined"/>
    <transition event="cancel" target="Cancelled"/>
  </state>
  <state id="Paid">
    <!-- entry hook in the machine's Rust code -->
    <onentry/>
    <!-- guarded: the caller may decline the next transition; the machine then stays -->
    <transition event="refund" target="Refunded"/>
  </state>
  <state id="Declined">
    <!-- exit hook in the machine's Rust code -->
    <onexit/>
    <transition event="retry" target="Pending"/>
    <transition event="cancel" target="Cancelled"/>
  </state>
  <final id="Refunded">
    <!-- entry / exit hooks in the machine's Rust code -->
    <onentry/>
    <onexit/>
  </final>
  <final id="Cancelled"/>
</scxml>
"#
    );
}

#[test]
fn markdown_and_json_of_payment() {
    assert_eq!(
        PAYMENT.chart().markdown(),
        "Initial state: `Pending`. Terminal: `Refunded`, `Cancelled`. Hooks: `Paid` (entry), `Declined` (exit), `Refunded` (entry / exit).

| from | event | to | note |
| --- | --- | --- | --- |
| `Pending` | `pay` | `Paid` | choice |
| `Pending` | `pay` | `Declined` | choice |
| `Pending` | `cancel` | `Cancelled` | |
| `Paid` | `refund` | `Refunded` | guarded |
| `Declined` | `retry` | `Pending` | |
| `Declined` | `cancel` | `Cancelled` | |
"
    );
    assert_eq!(
        PAYMENT.to_json(),
        r#"{
  "format": "statewright-definition/1",
  "machine": "Payment",
  "doc": "A payment.",
  "initial": "Pending",
  "states": [
    {"name": "Pending", "doc": "Created.", "terminal": false},
    {"name": "Paid", "doc": "Captured.", "terminal": false, "entry": true},
    {"name": "Declined", "doc": "", "terminal": false, "exit": true},
    {"name": "Refunded", "doc": "", "terminal": true, "entry": true, "exit": true},
    {"name": "Cancelled", "doc": "", "terminal": true}
  ],
  "transitions": [
    {"from": "Pending", "event": "pay", "to": "Paid"},
    {"from": "Pending", "event": "pay", "to": "Declined"},
    {"from": "Pending", "event": "cancel", "to": "Cancelled"},
    {"from": "Paid", "event": "refund", "to": "Refunded", "guarded": true},
    {"from": "Declined", "event": "retry", "to": "Pending"},
    {"from": "Declined", "event": "cancel", "to": "Cancelled"}
  ]
}
"#
    );
}

/// The payment machine built by hand: the builder's choices, guards and hooks are the
/// definition's.
fn payment_built() -> Chart {
    let mut chart = Chart::builder("Payment");
    chart.doc("A payment.");
    let pending = chart.state("Pending").initial().doc("Created.").id();
    let paid = chart.state("Paid").doc("Captured.").entry_hook().id();
    let declined = chart.state("Declined").exit_hook().id();
    let refunded = chart
        .state("Refunded")
        .terminal()
        .entry_hook()
        .exit_hook()
        .id();
    let cancelled = chart.state("Cancelled").terminal().id();
    chart
        .transition(pending, "pay", paid)
        .transition(pending, "pay", declined)
        .transition(pending, "cancel", cancelled)
        .transition_guarded(paid, "refund", refunded)
        .transition(declined, "retry", pending)
        .transition(declined, "cancel", cancelled);
    chart.build().unwrap()
}

#[test]
fn the_builder_declares_choices_guards_and_hooks() {
    assert_eq!(payment_built(), PAYMENT.chart());
}

#[test]
fn choice_nodes_get_ids_that_no_state_has() {
    let mut chart = Chart::builder("M");
    let a = chart.state("A").initial().id();
    // A state with the name the choice would get, and a state that needs an alias.
    let taken = chart.state("A_go").id();
    let odd = chart.state("Odd one").id();
    chart
        .transition(a, "go", taken)
        .transition(a, "go", odd)
        .transition(taken, "x-y", a)
        .transition(taken, "x-y", odd)
        .transition(odd, "back", a);
    let chart = chart.build().unwrap();
    let mermaid = chart.mermaid();
    assert_eq!(
        mermaid,
        "stateDiagram-v2
    state \"Odd one\" as s2
    state A_go_ <<choice>>
    state choice_1 <<choice>>
    [*] --> A
    A --> A_go_: go
    A_go_ --> A_go
    A_go_ --> s2
    A_go --> choice_1: x-y
    choice_1 --> A
    choice_1 --> s2
    s2 --> A: back
"
    );
    let dot = chart.dot();
    assert!(dot.contains("    \"A.go\" [shape=diamond"), "{dot}");
    assert!(
        dot.contains("    \"A_go\" -> \"A_go.x-y\" [label=\"x-y\"];\n"),
        "{dot}"
    );
    assert!(dot.contains("    \"A_go.x-y\" -> \"Odd one\";\n"), "{dot}");
    let plantuml = chart.plantuml();
    assert!(
        plantuml.contains("state A_go_ <<choice>>\nstate choice_1 <<choice>>\n"),
        "{plantuml}"
    );
}

#[test]
fn a_guarded_branch_of_a_choice_is_labelled() {
    let mut chart = Chart::builder("M");
    let a = chart.state("A").initial().id();
    let b = chart.state("B").terminal().id();
    let c = chart.state("C").terminal().id();
    chart.transition_guarded(a, "go", b).transition(a, "go", c);
    let chart = chart.build().unwrap();
    assert!(
        chart
            .mermaid()
            .contains("    A --> A_go: go\n    A_go --> B: [guard]\n    A_go --> C\n")
    );
    assert!(
        chart
            .dot()
            .contains("    \"A.go\" -> \"B\" [label=\"[guard]\"];\n    \"A.go\" -> \"C\";\n")
    );
    assert!(
        chart
            .markdown()
            .contains("| `A` | `go` | `B` | choice, guarded |\n| `A` | `go` | `C` | choice |\n")
    );
}

#[test]
fn diff_shows_guards_hooks_and_choice_targets() {
    let mut old = Chart::builder("Payment");
    old.doc("A payment.");
    let pending = old.state("Pending").initial().doc("Created.").id();
    let paid = old.state("Paid").doc("Captured.").exit_hook().id();
    let refunded = old
        .state("Refunded")
        .terminal()
        .entry_hook()
        .exit_hook()
        .id();
    let cancelled = old.state("Cancelled").terminal().id();
    old.transition(pending, "pay", paid)
        .transition(pending, "cancel", cancelled)
        .transition(paid, "refund", refunded)
        .transition_guarded(paid, "cancel", cancelled);
    let old = old.build().unwrap();
    let new = payment_built();
    let diff = Diff::new(&old, &new);
    assert_eq!(
        diff.to_string(),
        "+ state Declined
~ state Paid: entry hook added
~ state Paid: exit hook removed
+ Pending --pay--> Declined
~ Paid --refund--> Refunded: now guarded
+ Declined --retry--> Pending
+ Declined --cancel--> Cancelled
- Paid --cancel--> Cancelled
"
    );
    // The diff chart draws the new choice with its added branch marked.
    let chart = diff.chart();
    assert_eq!(
        chart.transitions().iter().filter(|t| t.is_choice()).count(),
        2
    );
    let mermaid = chart.mermaid();
    assert!(
        mermaid.contains(
            "    Pending --> Pending_pay: pay\n    Pending_pay --> Paid\n    Pending_pay --> Declined: + pay\n"
        ),
        "{mermaid}"
    );
    assert!(mermaid.contains("    Paid --> Refunded: refund [guard]\n"));
    let dot = chart.dot();
    assert!(
        dot.contains("    \"Pending.pay\" -> \"Declined\" [label=\"+ pay\", color=\"#1a7f37\", fontcolor=\"#1a7f37\", penwidth=2];\n"),
        "{dot}"
    );
    // Back again: the guard goes, and so does the choice.
    let back = Diff::new(&new, &old);
    assert!(
        back.lines()
            .contains(&"~ Paid --refund--> Refunded: no longer guarded".into())
    );
    assert!(
        back.lines()
            .contains(&"~ state Paid: entry hook removed".into())
    );
    assert!(back.lines().contains(&"- Pending --pay--> Declined".into()));
    let mermaid = back.chart().mermaid();
    assert!(
        mermaid.contains("    Pending_pay --> Declined: - p\u{336}a\u{336}y\u{336}\n"),
        "{mermaid}"
    );
}

#[test]
fn a_changed_target_is_not_a_choice() {
    let mut old = Chart::builder("M");
    let a = old.state("A").initial().id();
    let b = old.state("B").terminal().id();
    old.transition(a, "go", b);
    let mut new = Chart::builder("M");
    let a = new.state("A").initial().id();
    let c = new.state("C").terminal().id();
    new.transition(a, "go", c);
    let diff = Diff::new(&old.build().unwrap(), &new.build().unwrap());
    let chart = diff.chart();
    assert!(chart.transitions().iter().all(|t| !t.is_choice()));
    let mermaid = chart.mermaid();
    assert!(!mermaid.contains("<<choice>>"), "{mermaid}");
    assert!(mermaid.contains("    A --> C: + go\n"), "{mermaid}");
    // Built by hand the same way, it is a valid chart too.
    let mut b = Chart::builder("M");
    let a = b.state("A").initial().id();
    let y = b.state("C").terminal().change(Change::Added).id();
    let x = b.state("B").terminal().change(Change::Removed).id();
    b.transition_marked(a, "go", y, Change::Added)
        .transition_marked(a, "go", x, Change::Removed);
    assert_eq!(&b.build().unwrap(), chart);
}

#[test]
fn scxml_leaves_out_removed_branches_of_a_choice() {
    let mut b = Chart::builder("M");
    let a = b.state("A").initial().id();
    let x = b.state("X").terminal().id();
    let y = b.state("Y").terminal().id();
    let z = b.state("Z").terminal().change(Change::Removed).id();
    b.transition(a, "go", x)
        .transition_marked(a, "go", y, Change::Added)
        .transition_marked(a, "go", z, Change::Removed);
    let scxml = b.build().unwrap().scxml();
    assert!(
        scxml.contains(
            "  <state id=\"A\">\n    <!-- a choice: the caller picks one of the next 2 targets; SCXML would take the first -->\n    <transition event=\"go\" target=\"X\"/>\n    <transition event=\"go\" target=\"Y\"/>\n  </state>\n"
        ),
        "{scxml}"
    );
}

#[cfg(feature = "serde")]
#[test]
fn json_of_choices_guards_and_hooks_reads_back() {
    let chart = PAYMENT.chart();
    let back: Chart = serde_json::from_str(&chart.to_json()).unwrap();
    assert_eq!(back, chart);
    assert_eq!(back.to_json(), chart.to_json());
    // JSON written before hooks and guards existed reads as a machine without them.
    let old = PAYMENT
        .to_json()
        .replace(", \"entry\": true", "")
        .replace(", \"exit\": true", "")
        .replace(", \"guarded\": true", "");
    let old: Chart = serde_json::from_str(&old).unwrap();
    assert!(
        old.states()
            .iter()
            .all(|s| !s.has_entry_hook() && !s.has_exit_hook())
    );
    assert!(old.transitions().iter().all(|t| !t.is_guarded()));
    assert_eq!(
        old.transitions().iter().filter(|t| t.is_choice()).count(),
        2
    );
    // A diff chart with guards and hooks reads back too.
    let diff = Diff::new(&ORDER.chart(), &chart);
    let back: Chart = serde_json::from_str(&diff.chart().to_json()).unwrap();
    assert_eq!(&back, diff.chart());
    // Bad values are errors, not panics; a duplicate transition names its target.
    for (text, expected) in [
        (
            PAYMENT
                .to_json()
                .replace("\"guarded\": true", "\"guarded\": 1"),
            "invalid type",
        ),
        (
            PAYMENT
                .to_json()
                .replace("\"entry\": true", "\"entry\": \"yes\""),
            "invalid type",
        ),
        (
            PAYMENT.to_json().replace(
                "\"event\": \"pay\", \"to\": \"Declined\"",
                "\"event\": \"pay\", \"to\": \"Paid\"",
            ),
            "state `Pending` leaves by `pay` to `Paid` twice",
        ),
    ] {
        let error = serde_json::from_str::<Chart>(&text)
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{error}");
    }
}

/// A machine with timeouts: `Pending` expires after 15 minutes (the default `timeout` event),
/// `Paid` escalates after 2 days (`escalate`).
static EXPIRING: Definition = crate::__private::definition(
    "Expiring",
    "",
    &["Pending", "Paid", "Expired", "Escalated"],
    &["", "", "", ""],
    &[false, false, true, true],
    &[0, 2, 3, 3, 3],
    &["pay", "timeout", "escalate"],
    &[0, 1, 1, 2, 2, 3],
    0,
    &[],
    &[],
    &[0, 900_000, 1, 0, 1, 172_800_000, 2, 2],
);

#[test]
fn timeouts_are_labelled_with_their_duration_in_every_format() {
    let chart = EXPIRING.chart();
    let timeouts: Vec<Option<u64>> = chart
        .transitions()
        .iter()
        .map(|t| t.timeout().map(|d| d.as_millis() as u64))
        .collect();
    assert_eq!(timeouts, [None, Some(900_000), Some(172_800_000)]);
    let labels: Vec<String> = chart.transitions().iter().map(|t| t.label()).collect();
    assert_eq!(labels, ["pay", "after 15min", "escalate after 2d"]);
    assert!(
        chart
            .mermaid()
            .contains("    Pending --> Expired: after 15min\n")
    );
    assert!(
        chart
            .mermaid()
            .contains("    Paid --> Escalated: escalate after 2d\n")
    );
    assert!(
        chart.dot().contains("label=\"after 15min\""),
        "{}",
        chart.dot()
    );
    assert!(
        chart
            .plantuml()
            .contains("Pending --> Expired : after 15min"),
        "{}",
        chart.plantuml()
    );
    assert!(chart.svg().contains(">after 15min</text>"));
    // JSON carries it, only where present, and reads back.
    let json = chart.to_json();
    assert!(
        json.contains("\"event\": \"timeout\", \"to\": \"Expired\", \"after_ms\": 900000}"),
        "{json}"
    );
    assert!(
        json.contains("{\"from\": \"Pending\", \"event\": \"pay\", \"to\": \"Paid\"}"),
        "{json}"
    );
    #[cfg(feature = "serde")]
    {
        let back: Chart = serde_json::from_str(&json).unwrap();
        assert_eq!(back, chart);
    }
    // The definition's view.
    let pending = EXPIRING.timeout(crate::StateId(0)).unwrap();
    assert_eq!(
        (pending.event().name(), pending.to().name()),
        ("timeout", "Expired")
    );
    assert_eq!(pending.resume(), crate::Resume::Deadline);
    assert_eq!(
        EXPIRING.timeout(crate::StateId(1)).unwrap().resume(),
        crate::Resume::Restart
    );
    assert!(EXPIRING.timeout(crate::StateId(2)).is_none());
}

#[test]
fn a_removed_timeout_is_marked_by_its_duration() {
    let mut old = Chart::builder("Expiring");
    let pending = old.state("Pending").initial().id();
    let expired = old.state("Expired").terminal().id();
    old.transition_after(
        pending,
        "timeout",
        expired,
        core::time::Duration::from_secs(30),
    );
    let mut new = Chart::builder("Expiring");
    new.state("Pending").initial();
    new.state("Expired").terminal();
    let chart = Diff::new(&old.build().unwrap(), &new.build().unwrap())
        .chart()
        .clone();
    let struck: String = "after 30s".chars().flat_map(|c| [c, '\u{336}']).collect();
    assert!(
        chart.mermaid().contains(&alloc::format!(": - {struck}\n")),
        "{}",
        chart.mermaid()
    );
    assert!(
        chart.dot().contains("label=\"- after 30s\""),
        "{}",
        chart.dot()
    );
}

#[test]
fn a_changed_timeout_is_a_diff_line() {
    let mut old = Chart::builder("Expiring");
    let pending = old.state("Pending").initial().id();
    let expired = old.state("Expired").terminal().id();
    old.transition_after(
        pending,
        "timeout",
        expired,
        core::time::Duration::from_secs(30),
    );
    let new = EXPIRING.chart();
    let diff = crate::diagram::Diff::new(&old.build().unwrap(), &new);
    assert!(
        diff.lines()
            .iter()
            .any(|l| l == "~ Pending --timeout--> Expired: after 15min (was after 30s)"),
        "{:?}",
        diff.lines()
    );
}

/// Runs `work` on its own thread and fails if it is not done within `seconds`. The work of the
/// tests below takes seconds in a debug build when it is near-linear and many times the bound
/// when it is quadratic (each measured: see each test), so the bound tells the two apart on
/// any machine, however loaded.
#[cfg(feature = "std")]
fn finishes_within(seconds: u64, what: &str, work: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        work();
        let _ = done.send(());
    });
    match finished.recv_timeout(core::time::Duration::from_secs(seconds)) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: the work panicked"),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: not done after {seconds} s; some step is quadratic")
        }
    }
}

/// Building, reading, rendering and comparing this chart at 200,000 states takes about 15 s of
/// CPU in a debug build; with lookups by scanning, each of the 400,000 transitions compared
/// with every other is 1.6e11 steps (hours; the test failed at its bound before the indexes).
///
/// 200,000 states whose names are not plain identifiers (Mermaid and PlantUML give them ids),
/// each leaving by `go` to the next two (choices everywhere), with a diff against a copy that
/// lost a state.
#[cfg(all(feature = "std", feature = "serde"))]
fn huge(n: usize, skip: Option<usize>) -> Chart {
    let mut chart = Chart::builder("Huge");
    let ids: Vec<Option<usize>> = (0..n)
        .map(|i| {
            (Some(i) != skip).then(|| {
                let mut state = chart.state(&alloc::format!("state {i}"));
                if i == 0 {
                    state.initial();
                }
                state.id()
            })
        })
        .collect();
    for i in 0..n {
        for j in [i + 1, i + 2] {
            if let (Some(Some(a)), Some(Some(b))) = (ids.get(i), ids.get(j)) {
                chart.transition(*a, "go", *b);
            }
        }
    }
    chart.build().expect("the chart is valid")
}

#[cfg(all(feature = "std", feature = "serde"))]
#[test]
fn huge_charts_are_built_read_rendered_and_compared_in_near_linear_time() {
    finishes_within(300, "200,000 states", || {
        let n = 200_000;
        let chart = huge(n, None);
        let json = chart.to_json();
        let read: Chart = serde_json::from_str(&json).expect("the JSON reads");
        assert_eq!(read.states().len(), n);
        assert_eq!(read, chart);
        for format in [
            Format::Mermaid,
            Format::PlantUml,
            Format::Dot,
            Format::Markdown,
            Format::Scxml,
        ] {
            assert!(chart.render(format).contains("state 199999"), "{format:?}");
        }
        let diff = Diff::new(&huge(n, Some(n / 2)), &chart);
        assert_eq!(diff.chart().states().len(), n);
        assert!(diff.lines().contains(&String::from("+ state state 100000")));
    });
}

/// `n` states in a chain, each but the first also leaving back to the first: every edge back
/// is as long as the chain so far, so the layout needs about `n * n` vertices.
fn all_back(n: usize) -> Chart {
    let mut chart = Chart::builder("AllBack");
    let ids: Vec<usize> = (0..n)
        .map(|i| {
            let mut state = chart.state(&alloc::format!("S{i}"));
            if i == 0 {
                state.initial();
            }
            state.id()
        })
        .collect();
    for i in 1..n {
        chart
            .transition(ids[i - 1], "next", ids[i])
            .transition(ids[i], "back", ids[0]);
    }
    chart.build().expect("the chart is valid")
}

#[test]
fn an_svg_too_large_to_lay_out_is_refused_not_drawn() {
    let chart = all_back(600);
    let svg = chart.svg();
    assert!(svg.len() < 4_000, "{} bytes of SVG", svg.len());
    assert!(svg.contains("too large to lay out"), "{svg}");
    let error = chart.try_svg().expect_err("the chart is too large");
    assert_eq!(error.limit, super::MAX_LAYOUT_POINTS);
    // 600 states, 599 steps down and 599 edges back, the one from state i crossing 2i - 1
    // ranks (the first edge back is a parallel edge, also in the count).
    assert_eq!(
        error.points,
        600 + 599 + (1..600).map(|i| 2 * i - 1).sum::<usize>()
    );
    assert_eq!(chart.try_render(Format::Svg), Err(error.clone()));
    assert!(
        error
            .to_string()
            .contains("render it as Mermaid, DOT or PlantUML")
    );
    assert!(chart.try_render(Format::Mermaid).is_ok());
    // Under the limit, the chart is drawn.
    let fits = all_back(400);
    assert!(
        fits.try_svg()
            .expect("the chart fits")
            .contains(">S399</text>")
    );
}

#[cfg(feature = "serde")]
#[test]
fn definition_text_over_the_cap_is_refused_before_it_is_parsed() {
    use super::{DefinitionError, MAX_DEFINITION_LEN};
    let order = ORDER.chart();
    let json = order.to_json();
    assert_eq!(Chart::from_json(&json), Ok(order.clone()));
    // Padded with spaces (valid JSON whitespace) to one byte over the cap: refused unread.
    let mut padded = json.clone();
    padded.push_str(&" ".repeat(MAX_DEFINITION_LEN + 1 - json.len()));
    assert_eq!(
        Chart::from_json(&padded),
        Err(DefinitionError::TooLarge {
            len: MAX_DEFINITION_LEN + 1,
            limit: MAX_DEFINITION_LEN
        })
    );
    // At the cap exactly, it is read.
    padded.pop();
    assert_eq!(Chart::from_json(&padded), Ok(order.clone()));
    // What a snapshot or journal of another definition says about it.
    padded.push(' ');
    let lines = super::json::changes_since(&padded, &order);
    assert_eq!(
        lines,
        [alloc::format!(
            "(not listed: the recorded definition cannot be compared: the definition JSON is \
             {} bytes, more than the {MAX_DEFINITION_LEN} statewright reads; it was not read)",
            MAX_DEFINITION_LEN + 1
        )]
    );
    let lines = super::json::changes_since("{", &order);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains("invalid definition JSON: EOF while parsing"),
        "{lines:?}"
    );
    assert!(super::json::changes_since(&json, &order).is_empty());
}

/// Two states side by side, each leaving by 120,000 events to the same third state, declared
/// interleaved so that the first ordering has crossings: within the layout's limit, and the
/// crossing reduction compares the two states' links with each other. About 4 s in a debug
/// build; 263 s when the comparison went link by link (120,000 x 120,000 per step).
#[cfg(feature = "std")]
#[test]
fn two_states_with_many_links_each_lay_out_in_near_linear_time() {
    finishes_within(60, "2 x 120,000 links", || {
        let mut chart = Chart::builder("Fan");
        let start = chart.state("Start").initial().id();
        let a = chart.state("A").id();
        let b = chart.state("B").id();
        let end = chart.state("End").terminal().id();
        chart.transition(start, "a", a).transition(start, "b", b);
        for k in 0..120_000 {
            let event = alloc::format!("e{k}");
            chart.transition(a, &event, end).transition(b, &event, end);
        }
        let svg = chart.build().expect("the chart is valid").try_svg();
        assert!(svg.expect("the chart fits").contains(">e119999</text>"));
    });
}

/// One state with 200,000 self-loops: they add no layout points, and each loop's place in the
/// stack must not be found by scanning the others.
#[cfg(feature = "std")]
#[test]
fn a_state_with_many_self_loops_lays_out_in_near_linear_time() {
    finishes_within(60, "200,000 self-loops", || {
        let mut chart = Chart::builder("Loops");
        let only = chart.state("Only").initial().id();
        for k in 0..200_000 {
            chart.transition(only, &alloc::format!("e{k}"), only);
        }
        let svg = chart.build().expect("the chart is valid").try_svg();
        assert!(svg.expect("the chart fits").contains(">e199999</text>"));
    });
}

#[test]
fn highlighting_a_state_changes_its_group_only() {
    let plain = ORDER.svg();
    assert_eq!(plain, ORDER.chart().svg_highlighting(usize::MAX));
    for state in ORDER.states() {
        let image = ORDER.svg_highlighting(state);
        let (plain_lines, lines): (Vec<&str>, Vec<&str>) =
            (plain.lines().collect(), image.lines().collect());
        assert_eq!(
            plain_lines.len(),
            lines.len(),
            "same shape for {}",
            state.name()
        );
        let changed: Vec<(&str, &str)> = plain_lines
            .iter()
            .zip(&lines)
            .filter(|(a, b)| a != b)
            .map(|(a, b)| (*a, *b))
            .collect();
        let title = changed
            .iter()
            .find(|(_, b)| b.starts_with("<g><title>"))
            .expect("the title changes");
        assert!(
            title
                .1
                .starts_with(&alloc::format!("<g><title>{} (current)", state.name())),
            "{title:?}"
        );
        // The title, the box (and a terminal state's inner box) and the name.
        let lines = if state.is_terminal() { 4 } else { 3 };
        assert_eq!(changed.len(), lines, "{changed:#?}");
        for (before, after) in &changed[1..] {
            assert!(after.contains("#0969da"), "{after}");
            assert_eq!(
                before.replace("#24292f", "#0969da"),
                after
                    .replace("stroke-width=\"3\"", "stroke-width=\"1.2\"")
                    .replace("#ddf4ff", "#f6f8fa")
                    .replace(" font-weight=\"bold\"", ""),
                "only colours, width and weight change"
            );
        }
    }
}

// ------------------------------------------------------------------------ composite states

/// The order of the hierarchy's design: `Active` (initial, `cancel -> Cancelled`) holds
/// `Pending` and `Fulfilment` (`hold -> OnHold`), which holds `Paid` and `Packed`; `OnHold`
/// goes back into `Fulfilment` (its initial state, `Paid`). Built as a definition lists it:
/// each state's transitions, the inherited ones included.
fn nested_order() -> Chart {
    let mut b = Chart::builder("Order");
    let active = b
        .composite("Active")
        .doc("An order that can still be cancelled.")
        .exit_hook()
        .id();
    let fulfilment = b.composite("Fulfilment").parent(active).id();
    let pending = b.state("Pending").initial().parent(active).id();
    let paid = b.state("Paid").parent(fulfilment).doc("Paid for.").id();
    let packed = b.state("Packed").parent(fulfilment).id();
    let on_hold = b.state("OnHold").parent(active).id();
    let shipped = b.state("Shipped").terminal().id();
    let cancelled = b.state("Cancelled").terminal().id();
    b.composite_initial(active, super::ChartNode::State(pending))
        .composite_initial(fulfilment, super::ChartNode::State(paid));
    b.transition(pending, "pay", paid)
        .transition(pending, "cancel", cancelled)
        .inherited_from(active)
        .transition(paid, "pack", packed)
        .transition(paid, "hold", on_hold)
        .inherited_from(fulfilment)
        .transition(paid, "cancel", cancelled)
        .inherited_from(active)
        .transition(packed, "ship", shipped)
        .transition(packed, "hold", on_hold)
        .inherited_from(fulfilment)
        .transition(packed, "cancel", cancelled)
        .inherited_from(active)
        .transition(on_hold, "release", paid)
        .to_composite(fulfilment)
        .transition(on_hold, "cancel", cancelled)
        .inherited_from(active);
    b.build().unwrap()
}

#[test]
fn a_hierarchical_chart_draws_each_declared_transition_once_in_every_text_format() {
    let chart = nested_order();
    assert!(chart.is_hierarchical());
    assert_eq!(chart.transitions().len(), 10);
    // `cancel` once from `Active`, `hold` once from `Fulfilment`.
    assert_eq!(chart.declared(), [0, 1, 2, 3, 5, 8]);
    assert_eq!(chart.states()[2].parent(), Some(1));
    assert_eq!(chart.composites()[1].parent(), Some(0));
    assert_eq!(
        chart.transitions()[8].target(),
        super::ChartNode::Composite(1)
    );
    assert!(chart.transitions()[1].is_inherited());

    // Each block holds its children and the edges between them; an edge between states of
    // different composites is written at the top level (Mermaid would move a state into the
    // last block that mentions it).
    assert_eq!(
        chart.mermaid(),
        "stateDiagram-v2
    [*] --> Active
    state Active {
        Pending
        OnHold
        [*] --> Pending
        state Fulfilment {
            Paid
            Packed
            [*] --> Paid
            Paid --> Packed: pack
            note right of Paid: Paid for.
        }
        Fulfilment --> OnHold: hold
        OnHold --> Fulfilment: release
    }
    Pending --> Paid: pay
    Active --> Cancelled: cancel
    Packed --> Shipped: ship
    Shipped --> [*]
    Cancelled --> [*]
    note right of Active: An order that can still be cancelled. (exit hook)
"
    );
    let dot = chart.dot();
    assert!(dot.contains("    compound=true;\n"));
    assert!(dot.contains("    subgraph \"cluster_Active\" {\n        label=<Active<br/><font point-size=\"10\">exit hook</font>>;\n        tooltip=\"An order that can still be cancelled.\";\n        style=rounded;\n        \"Active.[*]\" [shape=point, width=0.1, label=\"\"];\n"));
    assert!(dot.contains("        subgraph \"cluster_Fulfilment\" {\n"));
    assert!(dot.contains("    \"[*]\" -> \"Active.[*]\" [lhead=\"cluster_Active\"];\n"));
    assert!(dot.contains(
        "    \"Active.[*]\" -> \"Cancelled\" [label=\"cancel\", ltail=\"cluster_Active\"];\n"
    ));
    assert!(dot.contains(
        "    \"OnHold\" -> \"Fulfilment.[*]\" [label=\"release\", lhead=\"cluster_Fulfilment\"];\n"
    ));
    assert_eq!(dot.matches("label=\"cancel\"").count(), 1);
    let puml = chart.plantuml();
    assert!(puml.contains(
        "state Active {\n  state Pending\n  state OnHold\n  [*] --> Pending\n  state Fulfilment {\n"
    ));
    assert!(puml.contains("\nActive --> Cancelled : cancel\n"));
    assert!(puml.contains("\nActive : exit hook\n"));
    assert_eq!(
        chart.scxml(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="Order" initial="Active">
  <final id="Shipped"/>
  <final id="Cancelled"/>
  <state id="Active" initial="Pending">
    <!-- exit hook in the machine's Rust code -->
    <onexit/>
    <transition event="cancel" target="Cancelled"/>
    <state id="Pending">
      <transition event="pay" target="Paid"/>
    </state>
    <state id="OnHold">
      <transition event="release" target="Fulfilment"/>
    </state>
    <state id="Fulfilment" initial="Paid">
      <transition event="hold" target="OnHold"/>
      <state id="Paid">
        <transition event="pack" target="Packed"/>
      </state>
      <state id="Packed">
        <transition event="ship" target="Shipped"/>
      </state>
    </state>
  </state>
</scxml>
"#
    );
    assert_eq!(
        chart.markdown(),
        "Initial state: `Pending`. Terminal: `Shipped`, `Cancelled`. Hooks: `Active` (exit).

| state | parent |
| --- | --- |
| `Pending` | `Active` |
| `Paid` | `Active` / `Fulfilment` |
| `Packed` | `Active` / `Fulfilment` |
| `OnHold` | `Active` |
| `Shipped` | |
| `Cancelled` | |

| composite state | parent | initial |
| --- | --- | --- |
| `Active` | | `Pending` |
| `Fulfilment` | `Active` | `Paid` |

| from | event | to |
| --- | --- | --- |
| `Pending` | `pay` | `Paid` |
| `Active` | `cancel` | `Cancelled` |
| `Paid` | `pack` | `Packed` |
| `Fulfilment` | `hold` | `OnHold` |
| `Packed` | `ship` | `Shipped` |
| `OnHold` | `release` | `Fulfilment` |
"
    );
    // A flat machine's outputs have none of it.
    let order = ORDER.chart();
    assert!(!order.is_hierarchical());
    assert_eq!(order.declared().len(), order.transitions().len());
    assert!(!order.dot().contains("compound"));
    assert!(!order.to_json().contains("composites"));
}

#[test]
fn a_hierarchical_svg_draws_composites_as_boxes() {
    let chart = nested_order();
    let svg = chart.svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("<title>Active: An order that can still be cancelled.</title>"));
    assert!(svg.contains("font-weight=\"bold\" fill=\"#24292f\">Fulfilment</text>"));
    assert_eq!(svg.matches("rx=\"10\"").count(), 2);
    // A start dot in each composite and the machine's own start arrow.
    assert_eq!(svg.matches("<title>start</title>").count(), 3);
    // Every declared transition is one arrow; `cancel` is drawn once.
    assert_eq!(svg.matches(">cancel</text>").count(), 1);
    assert_eq!(
        svg.matches("marker-end=").count(),
        chart.declared().len() + 3
    );
    assert_eq!(chart.try_svg().unwrap(), svg);
}

#[cfg(feature = "serde")]
#[test]
fn hierarchical_json_reads_back_and_rejects_what_is_not_a_tree() {
    let chart = nested_order();
    let json = chart.to_json();
    assert!(json.contains("\n  \"composites\": [\n    {\"name\": \"Active\", \"doc\": \"An order that can still be cancelled.\", \"initial\": \"Pending\", \"exit\": true},\n    {\"name\": \"Fulfilment\", \"doc\": \"\", \"parent\": \"Active\", \"initial\": \"Paid\"}\n  ],\n"));
    assert!(json.contains("{\"name\": \"Paid\", \"doc\": \"Paid for.\", \"terminal\": false, \"parent\": \"Fulfilment\"}"));
    assert!(json.contains(
        "{\"from\": \"Paid\", \"event\": \"hold\", \"to\": \"OnHold\", \"source\": \"Fulfilment\"}"
    ));
    assert!(json.contains("{\"from\": \"OnHold\", \"event\": \"release\", \"to\": \"Paid\", \"target\": \"Fulfilment\"}"));
    let back = Chart::from_json(&json).unwrap();
    assert_eq!(back, chart);
    assert_eq!(back.fingerprint(), chart.fingerprint());

    let cases = [
        (
            json.replace("\"parent\": \"Active\", \"initial\"", "\"parent\": \"Nowhere\", \"initial\""),
            "`Nowhere`, named by composite state `Fulfilment`, is not a composite state",
        ),
        (
            json.replace("\"terminal\": false, \"parent\": \"Fulfilment\"}", "\"terminal\": false, \"parent\": \"Pending\"}"),
            "`Pending`, named by state `Paid`, is not a composite state",
        ),
        (
            json.replace(
                "\"initial\": \"Pending\", \"exit\": true",
                "\"parent\": \"Fulfilment\", \"initial\": \"Pending\", \"exit\": true",
            ),
            "is inside itself",
        ),
        (
            json.replace("\"initial\": \"Paid\"}", "\"initial\": \"Shipped\"}"),
            "the initial child of composite state `Fulfilment` is not directly inside it",
        ),
        (
            json.replace("\"initial\": \"Paid\"}", "\"initial\": \"Pending\"}"),
            "the initial child of composite state `Fulfilment` is not directly inside it",
        ),
        (
            json.replace("\"initial\": \"Paid\"}", "\"initial\": \"Ghost\"}"),
            "a transition names `Ghost`",
        ),
        (
            json.replace("\"initial\": \"Pending\",\n", "\"initial\": \"OnHold\",\n"),
            "the initial state `OnHold` is not where composite state `Active` starts",
        ),
        (
            json.replace("\"to\": \"OnHold\", \"source\": \"Fulfilment\"}", "\"to\": \"OnHold\", \"source\": \"Nowhere\"}"),
            "`Nowhere`, named by `Paid --hold--> OnHold`, is not a composite state",
        ),
        (
            json.replace(
                "{\"from\": \"Pending\", \"event\": \"pay\", \"to\": \"Paid\"}",
                "{\"from\": \"Pending\", \"event\": \"pay\", \"to\": \"Paid\", \"source\": \"Fulfilment\"}",
            ),
            "`Pending --pay--> Paid` is declared on a composite state its source is not inside",
        ),
        (
            json.replace("\"to\": \"Paid\", \"target\": \"Fulfilment\"}", "\"to\": \"Packed\", \"target\": \"Fulfilment\"}"),
            "`OnHold --release--> Packed` targets a composite state that does not start in its target",
        ),
        (
            json.replace(
                "\"initial\": \"Paid\"}\n  ],",
                "\"initial\": \"Paid\"},\n    {\"name\": \"Shipped\", \"doc\": \"\", \"initial\": \"Pending\"}\n  ],",
            ),
            "state `Shipped` is defined twice",
        ),
    ];
    for (text, expected) in cases {
        assert_ne!(text, json, "the case for {expected:?} changed nothing");
        let error = Chart::from_json(&text).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn the_builder_refuses_a_hierarchy_that_is_not_a_tree() {
    use super::ChartNode;
    let hierarchy = |error: Result<Chart, ChartError>| match error {
        Err(ChartError::Hierarchy(text)) => text,
        other => panic!("{other:?}"),
    };
    // A parent index out of range.
    let mut b = Chart::builder("M");
    b.state("A").initial().parent(3);
    assert_eq!(
        hierarchy(b.build()),
        "the parent of state `A` (#3) is not a composite state"
    );
    // A composite without an initial child.
    let mut b = Chart::builder("M");
    let c = b.composite("C").id();
    b.state("A").initial();
    b.state("B").parent(c);
    assert!(hierarchy(b.build()).contains("the initial child of composite state `C`"));
    // A cycle of two.
    let mut b = Chart::builder("M");
    b.composite("C").parent(1).initial(ChartNode::Composite(1));
    b.composite("D").parent(0).initial(ChartNode::Composite(0));
    b.state("A").initial();
    assert!(hierarchy(b.build()).contains("is inside itself"));
    // Deeper than MAX_NESTING: a chain of composites, each the initial child of the one above.
    let mut b = Chart::builder("M");
    let depth = super::MAX_NESTING + 1;
    for i in 0..depth {
        let mut c = b.composite(&alloc::format!("C{i}"));
        if i > 0 {
            c.parent(i - 1);
        }
        let child = if i + 1 < depth {
            ChartNode::Composite(i + 1)
        } else {
            ChartNode::State(0)
        };
        c.initial(child);
    }
    b.state("A").initial().parent(depth - 1);
    assert!(hierarchy(b.build()).contains("nested more than 64 deep"));
    // One level less is fine, and every format renders it.
    let mut b = Chart::builder("M");
    let depth = super::MAX_NESTING - 1;
    for i in 0..depth {
        let mut c = b.composite(&alloc::format!("C{i}"));
        if i > 0 {
            c.parent(i - 1);
        }
        c.initial(if i + 1 < depth {
            ChartNode::Composite(i + 1)
        } else {
            ChartNode::State(0)
        });
    }
    let a = b.state("A").initial().parent(depth - 1).id();
    let z = b.state("Z").terminal().id();
    b.transition(a, "go", z).inherited_from(0);
    let chart = b.build().unwrap();
    for format in Format::ALL {
        assert!(!chart.render(format).is_empty());
    }
}
