//! Diagrams of the examples and of the escaping torture machine (`common/torture.rs`): committed
//! under `diagrams/` in every format and checked for drift (the golden tests), read back into
//! edge sets (round trips), and the drift helper itself. `tools/renderers/check.sh` renders the
//! committed files with the real tools (Mermaid, Graphviz, PlantUML).
//!
//! Refresh the committed files with `STATEWRIGHT_UPDATE=1 cargo test --test diagrams committed`
//! (the tests named `*committed*`: the drift test expects the helper to fail, which it does not
//! do when asked to update).

#[allow(dead_code)]
#[path = "../examples/connection.rs"]
mod connection_example;
#[allow(dead_code)]
#[path = "../examples/traffic_light.rs"]
mod light_example;
#[path = "common/media_player.rs"]
mod media_player;
#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod order_example;
#[path = "common/tcp.rs"]
mod tcp;
#[path = "common/torture.rs"]
mod torture;

// The committed-file checks (`diagram::committed`, `assert_committed`, ...) read and write
// files, so their tests need the `std` feature; the round trips run in every feature set.
#[cfg(feature = "std")]
use std::path::{Path, PathBuf};
#[cfg(feature = "std")]
use std::process::Command;

use statewright::diagram::Chart;
#[cfg(feature = "std")]
use statewright::diagram::{self, Drift, Format};
use statewright::{Definition, StateMachine};

/// The examples' machines, the hierarchical media player (`tests/common/media_player.rs`) and
/// the escaping torture machine (`tests/common/torture.rs`), whose committed diagrams
/// `tools/renderers/check.sh` renders with the real tools.
fn examples() -> [&'static Definition; 6] {
    [
        order_example::Order::DEFINITION,
        light_example::Light::DEFINITION,
        tcp::Tcp::DEFINITION,
        connection_example::Connection::DEFINITION,
        media_player::MediaPlayer::DEFINITION,
        torture::Torture::DEFINITION,
    ]
}

/// The directory the diagrams are checked against: `diagrams/`, or another one for the child
/// process of `assert_committed_updates_files_when_asked`.
#[cfg(feature = "std")]
fn diagrams_dir() -> PathBuf {
    std::env::var_os("STATEWRIGHT_TEST_DIAGRAMS").map_or_else(|| "diagrams".into(), PathBuf::from)
}

#[test]
#[cfg(feature = "std")]
fn example_diagrams_are_committed_in_every_format() {
    let mut problems = String::new();
    for definition in examples() {
        if let Err(drift) = diagram::committed(&definition.chart(), &diagrams_dir(), &Format::ALL) {
            problems.push_str(&format!("{drift}\n"));
        }
    }
    assert!(problems.is_empty(), "{problems}");
}

/// The one-line helper a user writes.
#[test]
#[cfg(feature = "std")]
fn order_diagram_is_committed() {
    diagram::assert_committed(order_example::Order::DEFINITION, diagrams_dir());
}

// ------------------------------------------------------------------------------ round trips

/// `(from, label, to, guarded)`: the label as drawn without its guard mark, that is the event,
/// or `after 30s` / `escalate after 2d` for a timeout.
type Edge = (String, String, String, bool);

/// `(from, label, to, guarded)` for every transition of a chart as declared, in order: of a
/// hierarchical chart, a composite's transition once, from the composite, to its declared
/// target (what the diagrams draw); of a flat chart, every transition.
fn edges(chart: &Chart) -> Vec<Edge> {
    chart
        .declared()
        .into_iter()
        .map(|i| {
            let t = &chart.transitions()[i];
            let (label, guarded) = unguard(&t.label());
            assert_eq!(guarded, t.is_guarded());
            let (from, to) = (chart.node_name(t.source()), chart.node_name(t.target()));
            (from.to_string(), label, to.to_string(), guarded)
        })
        .collect()
}

/// A label without its guard mark, and whether it had one (`pay [guard]`, `[guard]` alone on
/// a branch of a choice, `expire [guard] after 2d`).
fn unguard(label: &str) -> (String, bool) {
    match label.split_once("[guard]") {
        Some((head, tail)) => (format!("{}{tail}", head.trim_end()), true),
        None => (label.to_string(), false),
    }
}

/// The choice nodes met so far: `(id, from, event)`, the from and event of the arrow into
/// the node. An arrow out of one is the transition `(from, event, to)`.
type Choices = Vec<(String, String, String)>;

/// Mermaid's entity codes decoded: `#quot;`, `#lt;`, `#gt;`, `#amp;` and numeric ones (`#58;`).
fn mermaid_decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..at]);
        let code = &rest[at + 1..];
        let entity = code.split_once(';').and_then(|(name, _)| {
            let c = match name {
                "quot" => '"',
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                digits => char::from_u32(digits.parse().ok()?)?,
            };
            Some((c, name.len() + 2))
        });
        match entity {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[at + len..];
            }
            None => {
                out.push('#');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a Mermaid state diagram says: its edges, initial state and terminal states (a reader
/// for the subset `Chart::mermaid` writes, with Mermaid's entity codes decoded). Arrows
/// through a choice node read back as the transitions they draw.
fn read_mermaid(text: &str) -> (Vec<Edge>, String, Vec<String>) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("stateDiagram-v2"));
    let mut aliases: Vec<(String, String)> = Vec::new();
    let mut choice_ids: Vec<String> = Vec::new();
    let mut choices: Choices = Vec::new();
    let (mut edges, mut initial, mut terminal) = (Vec::new(), String::new(), Vec::new());
    let decode = mermaid_decode;
    // How deep in composite states' blocks the line is: a start arrow inside one is the
    // composite's, not the machine's.
    let mut depth = 0;
    for line in lines {
        let line = line.trim();
        if line == "}" {
            depth -= 1;
            continue;
        }
        if let Some(rest) = line.strip_prefix("state \"") {
            let (name, id) = rest.split_once("\" as ").expect("alias");
            let id = match id.strip_suffix(" {") {
                Some(id) => {
                    depth += 1;
                    id
                }
                None => id,
            };
            aliases.push((id.to_string(), decode(name)));
            continue;
        }
        if let Some(rest) = line.strip_prefix("state ") {
            if rest.ends_with(" {") {
                depth += 1;
                continue;
            }
            let id = rest.strip_suffix(" <<choice>>").expect("a choice node");
            choice_ids.push(id.to_string());
            continue;
        }
        if line.starts_with("note ") || line.starts_with("class") {
            continue;
        }
        if !line.contains(' ') {
            continue; // a state declared in its composite's block
        }
        let name = |id: &str| {
            aliases
                .iter()
                .find(|(a, _)| a == id)
                .map_or_else(|| id.to_string(), |(_, n)| n.clone())
        };
        let (from, rest) = line.split_once(" --> ").expect("an edge");
        let (to, label) = rest.split_once(": ").unwrap_or((rest, ""));
        let (event, guarded) = unguard(&decode(label));
        if choice_ids.iter().any(|c| c == to) {
            choices.push((to.to_string(), name(from), event));
        } else if let Some((_, source, choice_event)) = choices.iter().find(|c| c.0 == from) {
            // A branch: unlabelled, or labelled with its guard.
            assert!(event.is_empty(), "unexpected branch label in {line:?}");
            edges.push((source.clone(), choice_event.clone(), name(to), guarded));
        } else {
            match (from, label) {
                ("[*]", "") if depth > 0 => {}
                ("[*]", "") => initial = name(to),
                (_, "") if to == "[*]" => terminal.push(name(from)),
                (_, "") => panic!("unexpected line {line:?}"),
                _ => edges.push((name(from), event, name(to), guarded)),
            }
        }
    }
    (edges, initial, terminal)
}

/// A DOT double-quoted string at the start of `s`: its value (backslash escapes and `&amp;`
/// decoded) and the rest.
fn dot_string(s: &str) -> (String, &str) {
    let mut chars = s.strip_prefix('"').expect("a quoted string").char_indices();
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, c)) => value.push(c),
                None => break,
            },
            '"' => return (value.replace("&amp;", "&"), &s[i + 2..]),
            c => value.push(c),
        }
    }
    panic!("unterminated string in {s:?}")
}

/// The edges of the DOT that `Chart::dot` writes (start arrow left out; arrows through a
/// choice node read back as the transitions they draw) and the tooltips.
fn read_dot(text: &str) -> (Vec<Edge>, Vec<(String, String)>) {
    let (mut edges, mut tooltips) = (Vec::new(), Vec::new());
    let mut choice_ids: Vec<String> = Vec::new();
    let mut choices: Choices = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| l.starts_with('"')) {
        let (from, rest) = dot_string(line);
        if let Some(rest) = rest.strip_prefix(" -> ") {
            let (to, rest) = dot_string(rest);
            if from == "[*]" {
                continue;
            }
            let label = match rest.strip_prefix(" [label=") {
                Some(rest) => dot_string(rest).0,
                None => String::new(),
            };
            // A composite's edges attach to its start point, `Active.[*]`; an unlabelled
            // edge from one is the arrow to its initial child.
            let composite = |id: &str| id.strip_suffix(".[*]").map(str::to_string);
            if composite(&from).is_some() && label.is_empty() {
                continue;
            }
            let (from, to) = (
                composite(&from).unwrap_or(from),
                composite(&to).unwrap_or(to),
            );
            let (event, guarded) = unguard(&label);
            if choice_ids.contains(&to) {
                choices.push((to, from, event));
            } else if let Some((_, source, choice_event)) = choices.iter().find(|c| c.0 == from) {
                assert!(event.is_empty(), "unexpected branch label in {line:?}");
                edges.push((source.clone(), choice_event.clone(), to, guarded));
            } else {
                assert!(!event.is_empty(), "an unlabelled edge in {line:?}");
                edges.push((from, event, to, guarded));
            }
        } else if rest.contains("shape=diamond") {
            choice_ids.push(from);
        } else if let Some(at) = rest.find("tooltip=") {
            // A tooltip's backslashes are escaped twice: Graphviz reads them twice.
            let tooltip = dot_string(&rest[at + 8..]).0.replace("\\\\", "\\");
            tooltips.push((from, tooltip));
        }
    }
    (edges, tooltips)
}

fn assert_round_trips(chart: &Chart) {
    let (mut mermaid_edges, initial, terminal) = read_mermaid(&chart.mermaid());
    let mut expected = edges(chart);
    if chart.is_hierarchical() {
        // Each block of a composite holds the edges between its children: the order is the
        // blocks'.
        mermaid_edges.sort();
        expected.sort();
    }
    assert_eq!(mermaid_edges, expected, "Mermaid of {}", chart.name());
    // The top level's start arrow goes to the outermost composite the initial state is in.
    let mut top = chart.states()[chart.initial()].parent();
    let mut initial_node = chart.states()[chart.initial()].name();
    while let Some(c) = top {
        initial_node = chart.composites()[c].name();
        top = chart.composites()[c].parent();
    }
    assert_eq!(initial, initial_node);
    let terminals: Vec<String> = chart
        .states()
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| s.name().to_string())
        .collect();
    assert_eq!(terminal, terminals);
    let (dot_edges, mut tooltips) = read_dot(&chart.dot());
    assert_eq!(dot_edges, edges(chart), "DOT of {}", chart.name());
    let mut summaries: Vec<(String, String)> = chart
        .states()
        .iter()
        .filter(|s| !s.summary().is_empty())
        .map(|s| (s.name().to_string(), s.summary()))
        .collect();
    if chart.is_hierarchical() {
        // The states are declared in their composites' clusters.
        tooltips.sort();
        summaries.sort();
    }
    assert_eq!(tooltips, summaries);
    // Definition JSON reads into a chart with the `serde` feature only; plain `cargo test`
    // builds this file without it.
    #[cfg(feature = "serde")]
    {
        let json: Chart = serde_json::from_str(&chart.to_json()).expect("JSON reads back");
        assert_eq!(&json, chart);
    }
}

#[test]
fn example_diagrams_read_back_to_the_definitions_edges() {
    for definition in examples() {
        assert_round_trips(&definition.chart());
        assert!(!definition.chart().transitions().is_empty());
    }
    // The order machine's `pay -> Paid | Declined` is drawn through a choice node.
    let order = order_example::Order::DEFINITION.chart();
    let choices: Vec<Edge> = edges(&order)
        .into_iter()
        .zip(order.transitions())
        .filter(|(_, t)| t.is_choice())
        .map(|(edge, _)| edge)
        .collect();
    let edge = |to: &str| ("Pending".into(), "pay".into(), to.into(), false);
    assert_eq!(choices, [edge("Paid"), edge("Declined")]);
    assert!(
        order
            .mermaid()
            .contains("    state Pending_pay <<choice>>\n")
    );
    assert!(order.dot().contains("    \"Pending.pay\" [shape=diamond"));
}

/// Choices (one with a guarded branch), guards and hooks, on states whose names need aliases.
#[test]
fn choices_guards_and_hooks_read_back() {
    let mut chart = Chart::builder("Choices");
    let start = chart
        .state("Caf\u{e9}")
        .initial()
        .doc("Start.")
        .exit_hook()
        .id();
    let a = chart.state("end").entry_hook().id();
    let b = chart.state("B").entry_hook().exit_hook().id();
    let done = chart.state("Done").terminal().id();
    chart
        .transition(start, "go", a)
        .transition(start, "go", b)
        .transition(start, "go", start)
        .transition_guarded(a, "finish", done)
        .transition_guarded(b, "try", done)
        .transition(b, "try", a)
        .transition(b, "back", start);
    let chart = chart.build().unwrap();
    assert_round_trips(&chart);
    assert_eq!(chart.mermaid().matches("<<choice>>").count(), 2);
    assert_eq!(chart.dot().matches("shape=diamond").count(), 2);
}

/// A machine of 200 states and 800 transitions: a ring (so every state is reachable) plus
/// three pseudo-random transitions per state, including self-loops.
fn large_chart() -> Chart {
    let n = 200;
    let mut chart = Chart::builder("Large");
    for i in 0..n {
        let mut state = chart.state(&format!("S{i}"));
        state.doc(&format!("State \"{i}\" <of> {n}."));
        if i == 0 {
            state.initial();
        }
    }
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..n {
        chart.transition(i, "next", (i + 1) % n);
        for k in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            chart.transition(i, &format!("e{k}"), (seed % n as u64) as usize);
        }
    }
    chart.build().expect("a valid chart")
}

#[test]
fn a_generated_machine_of_200_states_reads_back() {
    let chart = large_chart();
    assert_eq!(chart.transitions().len(), 800);
    assert_round_trips(&chart);
    let svg = chart.svg();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
}

#[test]
fn names_and_docs_that_need_escaping_read_back() {
    let mut chart = Chart::builder("Escapes");
    let a = chart
        .state("Caf\u{e9}")
        .initial()
        .doc("Quotes \"x\", <angle> & 'apostrophes', # and ; and 50%\nnext line, \\n, \u{2713} \u{1F600}")
        .id();
    let b = chart.state("end").terminal().doc("\u{7}bell\ttab").id();
    chart
        .transition(a, "\u{e9}v\u{e9}nement", b)
        .transition(a, "stay", a);
    let chart = chart.build().unwrap();
    assert_round_trips(&chart);
    let svg = chart.svg();
    assert!(!svg.contains("<angle>") && !svg.contains('\u{7}'), "{svg}");
}

// ------------------------------------------------------------------------------ the helper

/// A fresh directory under the target directory's temp space.
#[cfg(feature = "std")]
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("statewright-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(feature = "std")]
fn panic_message(result: std::thread::Result<()>) -> String {
    let payload = result.expect_err("the helper must fail");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
#[cfg(feature = "std")]
fn drift_is_reported_with_a_diff_and_disappears_after_update() {
    let dir = scratch("drift");
    let order = order_example::Order::DEFINITION;
    let chart = order.chart();
    // A stale Mermaid file (a transition someone removed from the code is still drawn) and
    // no JSON at all.
    let stale = chart.mermaid().replace(
        "    Paid --> Shipped: ship\n",
        "    Paid --> Shipped: ship\n    Paid --> Pending: refund\n",
    );
    std::fs::write(dir.join("order.mmd"), &stale).unwrap();

    let message = panic_message(std::panic::catch_unwind(|| {
        diagram::assert_committed(order, &dir)
    }));
    let mmd = dir.join("order.mmd").display().to_string();
    let json = dir.join("order.json").display().to_string();
    assert_eq!(
        message,
        format!(
            "the committed diagrams of `Order` do not match its definition
{mmd} is stale (- committed, + from the definition):
  ...
      Pending --> Cancelled: cancel
      Paid --> Shipped: ship
-     Paid --> Pending: refund
      Paid --> Cancelled: cancel
      Declined --> Pending: retry
  ...
{json} is missing
to update the committed diagrams, run the tests with STATEWRIGHT_UPDATE=1, for example:
    STATEWRIGHT_UPDATE=1 cargo test"
        )
    );

    // `check_files` never writes; `write_files` rewrites what drifted, and only that.
    assert!(matches!(
        diagram::check_files(&chart, &dir, &[Format::Mermaid]),
        Err(Drift::Stale(files)) if files.len() == 1
    ));
    let written = diagram::write_files(&chart, &dir, &[Format::Mermaid, Format::Json]).unwrap();
    assert_eq!(written, [dir.join("order.mmd"), dir.join("order.json")]);
    assert_eq!(
        std::fs::read_to_string(dir.join("order.mmd")).unwrap(),
        chart.mermaid()
    );
    diagram::assert_committed(order, &dir);
    assert!(
        diagram::write_files(&chart, &dir, &[Format::Mermaid, Format::Json])
            .unwrap()
            .is_empty()
    );

    // Windows checkouts may turn `\n` into `\r\n`: not drift.
    std::fs::write(dir.join("order.mmd"), chart.mermaid().replace('\n', "\r\n")).unwrap();
    diagram::assert_committed(order, &dir);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `STATEWRIGHT_UPDATE=1` makes the helper write instead of fail: run this test binary's
/// `order_diagram_is_committed` in a child process against an empty directory.
#[test]
#[cfg(feature = "std")]
fn assert_committed_updates_files_when_asked() {
    let dir = scratch("update");
    let run = |update: bool| {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "order_diagram_is_committed", "--test-threads=1"])
            .env("STATEWRIGHT_TEST_DIAGRAMS", &dir)
            .env_remove("STATEWRIGHT_UPDATE");
        if update {
            child.env("STATEWRIGHT_UPDATE", "1");
        }
        child.output().unwrap()
    };
    let before = run(false);
    assert!(!before.status.success(), "an empty directory is drift");
    assert!(String::from_utf8_lossy(&before.stdout).contains("order.mmd is missing"));
    assert!(run(true).status.success());
    let chart = order_example::Order::DEFINITION.chart();
    assert_eq!(
        std::fs::read_to_string(dir.join("order.mmd")).unwrap(),
        chart.mermaid()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("order.json")).unwrap(),
        chart.to_json()
    );
    assert!(run(false).status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(feature = "std")]
fn files_are_named_after_the_machine() {
    let light = light_example::Light::DEFINITION.chart();
    assert_eq!(
        diagram::file_path(&light, Path::new("d"), Format::PlantUml),
        Path::new("d/light.puml")
    );
}

// ------------------------------------------------------------------------ hierarchical states

/// The chart of a hierarchical machine, and the chart read back from its definition JSON, have
/// the definition's fingerprint; the same transitions without the composites do not.
#[test]
fn a_hierarchical_chart_has_its_definitions_fingerprint() {
    let definition = media_player::MediaPlayer::DEFINITION;
    assert!(definition.is_hierarchical());
    let chart = definition.chart();
    assert!(chart.is_hierarchical());
    assert_eq!(chart.fingerprint(), definition.fingerprint());
    // The flat list (for replay) has every inherited copy; the diagrams draw each once.
    assert_eq!(chart.transitions().len(), definition.transitions().count());
    assert_eq!(
        chart.declared().len(),
        definition.declared_transitions().count()
    );
    assert!(chart.declared().len() < chart.transitions().len());
    #[cfg(feature = "serde")]
    {
        let json = chart.to_json();
        let read = Chart::from_json(&json).expect("the JSON reads back");
        assert_eq!(read, chart);
        assert_eq!(read.fingerprint(), definition.fingerprint());
        // Without the hierarchy: the same states and transitions, flat.
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let object = value.as_object_mut().unwrap();
        object.remove("composites");
        for (list, fields) in [
            ("states", &["parent"][..]),
            ("transitions", &["source", "target"]),
        ] {
            for item in object[list].as_array_mut().unwrap() {
                for field in fields {
                    item.as_object_mut().unwrap().remove(*field);
                }
            }
        }
        let flat = Chart::from_json(&value.to_string()).expect("the flat JSON reads");
        assert!(!flat.is_hierarchical());
        assert_eq!(flat.transitions().len(), chart.transitions().len());
        assert_ne!(flat.fingerprint(), definition.fingerprint());
    }
}
