//! The text formats, exactly, for the unit-test order machine; escaping; diffs; JSON.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Change, Chart, ChartError, Diff, Format};
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
    note right of s0: Says #quot;hi#quot; #lt;b#gt;#amp;#lt;/b#gt; #35;1#59; 50#37; // --note-- **bold**\\n second line
    note right of s1_: control tab
"
    );
}

#[test]
fn dot_escapes_names_and_docs() {
    let out = awkward().dot();
    assert!(out.contains(
        "    \"Caf\u{e9}\" [tooltip=\"Says \\\"hi\\\" <b>&</b> #1; 50% // --note-- **bold**\\\\n second line\"];\n"
    ), "{out}");
    assert!(out.contains("    \"end\" [peripheries=2, tooltip=\"control tab\"];\n"));
    assert!(out.contains("    \"s1\" -> \"s1\" [label=\"wait\"];\n"));
}

#[test]
fn plantuml_escapes_names_and_docs() {
    let out = awkward().plantuml();
    assert!(
        out.contains("state \"Caf\u{e9}\" as s0\nstate \"end\" as s1_\n"),
        "{out}"
    );
    assert!(out.contains(
        "note right of s0 : Says \"hi\" &#60;b&#62;&#38;&#60;/b&#62; &#35;1; 50% ~// ~--note~-- ~**bold~**&#92;n second line\n"
    ), "{out}");
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
        Err("state `A` leaves by `go` twice".into())
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
