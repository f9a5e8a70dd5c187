//! Runs the built `statewright` binary on files in a temporary directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use statewright_runtime::diagram::{Chart, Diff, Format};

/// What a run of the binary printed and how it exited.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `statewright args...`, feeding `stdin` to it when given.
fn statewright(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_statewright"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // The binary may exit without reading its input (a usage error): a closed pipe is
        // not the test's failure.
        if let Err(error) = pipe.write_all(text.as_bytes()) {
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
        }
    }
    let output = child.wait_with_output().expect("the binary finishes");
    let run = Run {
        code: output.status.code().expect("the binary exits (no signal)"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {run:?}"
    );
    run
}

/// A directory of its own for one test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("statewright-cli-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("the temp dir is created");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `name` in the directory and returns its path as a string, for arguments.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        fs::write(&path, text).expect("the file is written");
        arg(&path)
    }

    fn file(&self, name: &str) -> String {
        arg(&self.0.join(name))
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.0.join(name)).expect("the file is read")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn arg(path: &Path) -> String {
    path.to_str().expect("temp paths are UTF-8").to_string()
}

/// `Pending --pay--> Paid --ship--> Shipped`, `Pending --cancel--> Cancelled`, with docs.
fn order() -> Chart {
    let mut chart = Chart::builder("Order");
    chart.doc("An order.");
    let pending = chart.state("Pending").initial().doc("Created.").id();
    let paid = chart.state("Paid").doc("Paid for.").id();
    let shipped = chart.state("Shipped").terminal().id();
    let cancelled = chart.state("Cancelled").terminal().id();
    chart
        .transition(pending, "pay", paid)
        .transition(paid, "ship", shipped)
        .transition(pending, "cancel", cancelled);
    chart.build().expect("the chart is valid")
}

/// The order without `cancel`, and with `Paid --refund--> Refunded`.
fn order_v2() -> Chart {
    let mut chart = Chart::builder("Order");
    chart.doc("An order.");
    let pending = chart.state("Pending").initial().doc("Created.").id();
    let paid = chart.state("Paid").doc("Paid for.").id();
    let shipped = chart.state("Shipped").terminal().id();
    chart.state("Cancelled").terminal();
    let refunded = chart.state("Refunded").terminal().id();
    chart
        .transition(pending, "pay", paid)
        .transition(paid, "ship", shipped)
        .transition(paid, "refund", refunded);
    chart.build().expect("the chart is valid")
}

const UNKNOWN_STATE: &str = r#"{
  "format": "statewright-definition/1",
  "machine": "Order",
  "doc": "",
  "initial": "Pending",
  "states": [
    {"name": "Pending", "doc": "", "terminal": false}
  ],
  "transitions": [
    {"from": "Pending", "event": "pay", "to": "Paid"}
  ]
}
"#;

#[test]
fn render_writes_each_format_to_stdout() {
    let dir = TempDir::new("render_stdout");
    let chart = order();
    let json = dir.write("order.json", &chart.to_json());
    for format in Format::ALL {
        let run = statewright(&["render", &json, "--format", format.name()], None);
        assert_eq!(run.code, 0, "{format}: {run:?}");
        assert_eq!(run.stdout, chart.render(format), "{format}");
        assert_eq!(run.stderr, "", "{format}");
    }
}

#[test]
fn render_writes_each_format_to_a_file() {
    let dir = TempDir::new("render_output");
    let chart = order();
    let json = dir.write("order.json", &chart.to_json());
    for format in Format::ALL {
        let name = format!("out.{}", format.extension());
        let output = dir.file(&name);
        let run = statewright(&["render", &json, "-f", format.name(), "-o", &output], None);
        assert_eq!(run.code, 0, "{format}: {run:?}");
        assert_eq!(run.stdout, "", "{format}");
        assert_eq!(dir.read(&name), chart.render(format), "{format}");
    }
}

#[test]
fn render_defaults_to_mermaid_and_accepts_extensions() {
    let dir = TempDir::new("render_default");
    let chart = order();
    let json = dir.write("order.json", &chart.to_json());
    let run = statewright(&["render", &json], None);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, chart.mermaid().as_str())
    );
    let run = statewright(&["render", &json, "--format", "puml"], None);
    assert_eq!((run.code, run.stdout), (0, chart.plantuml()));
}

#[test]
fn render_reads_stdin() {
    let chart = order();
    let run = statewright(&["render", "-", "--format", "dot"], Some(&chart.to_json()));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, chart.dot());
}

/// A hierarchical machine's definition JSON (the media player committed under `diagrams/`, its
/// composite states three deep) renders in every format as its definition does: byte for byte
/// the committed files, which `tests/diagrams.rs` checks against the machine itself.
#[test]
fn render_draws_a_hierarchical_definition_in_every_format() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../diagrams");
    let json = arg(&committed.join("media_player.json"));
    let chart = Chart::from_json(&fs::read_to_string(&json).expect("the JSON is committed"))
        .expect("the committed JSON reads");
    assert!(chart.is_hierarchical());
    for format in Format::ALL {
        let run = statewright(&["render", &json, "--format", format.name()], None);
        assert_eq!(run.code, 0, "{format}: {run:?}");
        assert_eq!(run.stderr, "", "{format}");
        let file = committed.join(format!("media_player.{}", format.extension()));
        let expected = fs::read_to_string(&file).expect("every format is committed");
        assert_eq!(run.stdout, expected, "{format}");
    }
    let run = statewright(&["render", &json, "--format", "mermaid"], None);
    assert!(run.stdout.contains("    state On {\n"), "{}", run.stdout);
    let run = statewright(&["render", &json, "--format", "scxml"], None);
    assert!(
        run.stdout
            .contains("<state id=\"Loaded\" initial=\"Running\">")
    );

    // A composite inside itself is an error, not a panic.
    let dir = TempDir::new("render_cycle");
    let text = fs::read_to_string(&json).unwrap().replace(
        "{\"name\": \"On\", \"doc\": \"Powered on.\"",
        "{\"name\": \"On\", \"doc\": \"Powered on.\", \"parent\": \"Running\"",
    );
    let bad = dir.write("cycle.json", &text);
    let run = statewright(&["render", &bad], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        format!("error: {bad}: invalid definition JSON: composite state `On` is inside itself\n")
    );
}

#[test]
fn render_rejects_an_invalid_definition() {
    let dir = TempDir::new("render_invalid");
    let bad = dir.write("bad.json", UNKNOWN_STATE);
    let run = statewright(&["render", &bad], None);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "error: {bad}: invalid definition JSON: a transition names `Paid`, which is not a state\n"
        )
    );
    let run = statewright(&["render", "-"], Some("{\n  \"format\": "));
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: <stdin>: invalid definition JSON at line 2 column 12: EOF while parsing a value\n"
    );
}

#[test]
fn a_missing_file_is_a_usage_error_naming_it() {
    let dir = TempDir::new("missing");
    let missing = dir.file("missing.json");
    let os_error = fs::read_to_string(&missing).expect_err("the file is missing");
    let expected = format!("error: {missing}: {os_error}\n");

    let run = statewright(&["render", &missing], None);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(run.stderr, expected);

    let json = dir.write("order.json", &order().to_json());
    let run = statewright(&["diff", &json, &missing], None);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(run.stderr, expected);
}

#[test]
fn an_unknown_format_lists_the_valid_ones() {
    let dir = TempDir::new("unknown_format");
    let json = dir.write("order.json", &order().to_json());
    let run = statewright(&["render", &json, "--format", "png"], None);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(
            "error: invalid value 'png' for '--format <FORMAT>'\n  [possible values: mermaid, dot, plantuml, svg, scxml, markdown, json]\n"
        ),
        "{}",
        run.stderr
    );
    let run = statewright(&["diff", &json, &json, "--format", "scxml"], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(
            "error: invalid value 'scxml' for '--format <FORMAT>'\n  [possible values: text, mermaid, dot, plantuml, svg, markdown]\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_summarises_the_changes() {
    let dir = TempDir::new("diff_text");
    let old = dir.write("old.json", &order().to_json());
    let new = dir.write("new.json", &order_v2().to_json());
    let run = statewright(&["diff", &old, &new], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "+ state Refunded\n+ Paid --refund--> Refunded\n- Pending --cancel--> Cancelled\n"
    );
    assert_eq!(run.stdout, Diff::new(&order(), &order_v2()).to_string());
    assert_eq!(run.stderr, "");

    let output = dir.file("summary.txt");
    let run = statewright(&["diff", &new, &old, "-o", &output], None);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert_eq!(
        dir.read("summary.txt"),
        "- state Refunded\n+ Pending --cancel--> Cancelled\n- Paid --refund--> Refunded\n"
    );
}

#[test]
fn diff_exit_code_says_whether_the_machines_differ() {
    let dir = TempDir::new("diff_exit_code");
    let old = dir.write("old.json", &order().to_json());
    let new = dir.write("new.json", &order_v2().to_json());
    let same = dir.write("same.json", &order().to_json());

    let run = statewright(&["diff", "--exit-code", &old, &new], None);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stderr, "");
    assert!(
        run.stdout.starts_with("+ state Refunded\n"),
        "{}",
        run.stdout
    );

    let run = statewright(&["diff", "--exit-code", &old, &same], None);
    assert_eq!((run.code, run.stdout.as_str()), (0, "no changes\n"));

    let run = statewright(&["diff", &old, &new], None);
    assert_eq!(run.code, 0);
}

#[test]
fn diff_draws_the_changes_as_a_diagram() {
    let dir = TempDir::new("diff_mermaid");
    let new = dir.write("new.json", &order_v2().to_json());
    let diff = Diff::new(&order(), &order_v2());
    let run = statewright(
        &["diff", "-", &new, "--format", "mermaid"],
        Some(&order().to_json()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, diff.chart().mermaid());
    assert!(run.stdout.contains("    Paid --> Refunded: + refund\n"));
    assert!(run.stdout.contains("    classDef added "));
    assert!(run.stdout.contains("    class Refunded added\n"));

    let run = statewright(&["diff", "-", &new, "-f", "svg"], Some(&order().to_json()));
    assert_eq!((run.code, run.stdout), (0, diff.chart().svg()));
}

#[test]
fn diff_cannot_read_stdin_twice() {
    let run = statewright(&["diff", "-", "-"], Some("{}"));
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: OLD.json and NEW.json cannot both be `-` (standard input can be read only once)\n"
    );
}

/// A directory with `order.json` and, rendered from it, `order.mmd`, `order.dot` (with `\r\n`
/// line endings, as a Windows checkout may have them) and `order.svg`.
fn committed(test: &str) -> TempDir {
    let dir = TempDir::new(test);
    let chart = order();
    dir.write("order.json", &chart.to_json());
    dir.write("order.mmd", &chart.mermaid());
    dir.write("order.dot", &chart.dot().replace('\n', "\r\n"));
    dir.write("order.svg", &chart.svg());
    dir
}

#[test]
fn check_passes_when_every_file_is_up_to_date() {
    let dir = committed("check_ok");
    let path = arg(dir.path());
    let run = statewright(&["check", &path], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "ok {path}/order.mmd\nok {path}/order.dot\nok {path}/order.svg\n\
             checked 3 files from 1 definition: 3 ok\n"
        )
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn check_reports_a_stale_file_with_a_diff() {
    let dir = committed("check_stale");
    let path = arg(dir.path());
    let old = dir.read("order.mmd");
    dir.write("order.mmd", &old.replace(": pay\n", ": purchase\n"));
    let run = statewright(&["check", &path], None);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "stale {path}/order.mmd\n\
             --- {path}/order.mmd (committed)\n\
             +++ {path}/order.mmd (rendered from {path}/order.json)\n\
             @@ -1,6 +1,6 @@\n \
             stateDiagram-v2\n \
             \x20   [*] --> Pending\n\
             -    Pending --> Paid: purchase\n\
             +    Pending --> Paid: pay\n \
             \x20   Paid --> Shipped: ship\n \
             \x20   Pending --> Cancelled: cancel\n \
             \x20   Shipped --> [*]\n\
             ok {path}/order.dot\n\
             ok {path}/order.svg\n\
             checked 3 files from 1 definition: 2 ok, 1 stale\n\
             to rewrite the stale files, run: statewright check {path} --update\n"
        )
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn check_update_rewrites_the_stale_files() {
    let dir = committed("check_update");
    let path = arg(dir.path());
    dir.write("order.mmd", "stateDiagram-v2\n");
    dir.write("order.md", "old table\n");
    let run = statewright(&["check", &path, "--update"], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "updated {path}/order.mmd\nok {path}/order.dot\nok {path}/order.svg\n\
             updated {path}/order.md\n\
             checked 4 files from 1 definition: 2 ok, 2 updated\n"
        )
    );
    assert_eq!(dir.read("order.mmd"), order().mermaid());
    assert_eq!(dir.read("order.md"), order().markdown());
    // Up-to-date files are left alone, line endings included.
    assert_eq!(dir.read("order.dot"), order().dot().replace('\n', "\r\n"));

    let run = statewright(&["check", &path], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .ends_with("checked 4 files from 1 definition: 4 ok\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_reports_invalid_definitions_and_checks_the_others() {
    let dir = committed("check_invalid");
    let path = arg(dir.path());
    let truncated = order().to_json();
    let cut = truncated
        .find("\"transitions\"")
        .expect("the JSON has transitions");
    dir.write("truncated.json", &truncated[..cut]);
    dir.write("unknown.json", UNKNOWN_STATE);
    dir.write("unknown.mmd", "stateDiagram-v2\n");
    let run = statewright(&["check", &path], None);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "error: {path}/truncated.json: invalid definition JSON at line 12 column 2: EOF while parsing a value\n\
             error: {path}/unknown.json: invalid definition JSON: a transition names `Paid`, which is not a state\n"
        )
    );
    assert_eq!(
        run.stdout,
        format!(
            "ok {path}/order.mmd\nok {path}/order.dot\nok {path}/order.svg\n\
             checked 3 files from 3 definitions: 3 ok, 2 invalid definitions\n"
        )
    );
}

#[test]
fn check_needs_definitions() {
    let dir = TempDir::new("check_empty");
    let path = arg(dir.path());
    dir.write("order.mmd", "stateDiagram-v2\n");
    let run = statewright(&["check", &path], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!("error: {path}: no definition JSON (*.json) files in this directory\n")
    );

    let missing = dir.file("missing");
    let os_error = fs::read_dir(&missing).expect_err("the directory is missing");
    let run = statewright(&["check", &missing], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stderr, format!("error: {missing}: {os_error}\n"));
}

#[test]
fn help_describes_every_command_and_option() {
    let run = statewright(&["--help"], None);
    assert_eq!(run.code, 0);
    for text in [
        "definition JSON",
        "STATEWRIGHT_UPDATE=1 cargo test",
        "Order::DEFINITION.to_json()",
        "render",
        "diff",
        "check",
        "Exit codes:",
        "Examples:",
    ] {
        assert!(run.stdout.contains(text), "top level: {text}");
    }
    let commands: [(&str, &[&str]); 3] = [
        (
            "render",
            &[
                "--format <FORMAT>",
                "--output <PATH>",
                "- plantuml:",
                "[default: mermaid]",
            ],
        ),
        (
            "diff",
            &[
                "--format <FORMAT>",
                "--output <PATH>",
                "--exit-code",
                "- text:",
                "[default: text]",
            ],
        ),
        (
            "check",
            &["--update", "order.puml", "<DIR>", "symbolic link", "32 MiB"],
        ),
    ];
    for (command, options) in commands {
        let run = statewright(&[command, "--help"], None);
        assert_eq!(run.code, 0, "{command}");
        for text in options
            .iter()
            .chain(&["definition JSON", "Exit codes:", "Examples:"])
        {
            assert!(
                run.stdout.contains(text),
                "{command}: {text}\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn version_and_bad_usage() {
    let run = statewright(&["--version"], None);
    assert_eq!(
        (run.code, run.stdout),
        (0, format!("statewright {}\n", env!("CARGO_PKG_VERSION")))
    );
    let run = statewright(&["rendr"], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("a similar subcommand exists: 'render'"),
        "{}",
        run.stderr
    );
    let run = statewright(&[], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("Usage: statewright <COMMAND>"),
        "{}",
        run.stderr
    );
}

/// Runs `statewright args...` and kills it if it has not finished within `seconds`, so that a
/// command that hangs fails the test instead of hanging it.
fn statewright_within(args: &[&str], seconds: u64) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_statewright"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child
        .try_wait()
        .expect("the child can be waited for")
        .is_none()
    {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`statewright {}` still ran after {seconds} s",
                args.join(" ")
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("the binary finishes");
    let run = Run {
        code: output.status.code().expect("the binary exits (no signal)"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {run:?}"
    );
    run
}

#[cfg(unix)]
#[test]
fn check_never_reads_or_writes_through_a_symlink() {
    let dir = committed("check_symlink");
    let outside = TempDir::new("check_symlink_outside");
    let secret = outside.write("secret.txt", "top secret\n");
    let path = arg(dir.path());
    fs::remove_file(dir.path().join("order.mmd")).expect("the file is removed");
    std::os::unix::fs::symlink(&secret, dir.path().join("order.mmd")).expect("the link is made");
    for args in [&["check", &path][..], &["check", &path, "--update"][..]] {
        let run = statewright(args, None);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(!run.stdout.contains("top secret"), "{run:?}");
        assert!(!run.stderr.contains("top secret"), "{run:?}");
        assert_eq!(
            run.stderr,
            format!(
                "error: {path}/order.mmd: is a symbolic link; check reads and writes only \
                 regular files in DIR (replace the link with the file itself)\n"
            )
        );
        assert_eq!(outside.read("secret.txt"), "top secret\n");
    }
    // A definition that is a link is refused the same way.
    fs::remove_file(dir.path().join("order.mmd")).expect("the link is removed");
    let json = outside.write("elsewhere.json", &order().to_json());
    std::os::unix::fs::symlink(&json, dir.path().join("linked.json")).expect("the link is made");
    let run = statewright(&["check", &path], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with(&format!("error: {path}/linked.json: is a symbolic link;")),
        "{run:?}"
    );
}

#[cfg(unix)]
#[test]
fn check_refuses_a_fifo_without_waiting_for_it() {
    let dir = committed("check_fifo");
    let path = arg(dir.path());
    fs::remove_file(dir.path().join("order.mmd")).expect("the file is removed");
    let made = Command::new("mkfifo")
        .arg(dir.path().join("order.mmd"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let run = statewright_within(&["check", &path], 30);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "error: {path}/order.mmd: is not a regular file (a FIFO, socket or device); check \
             reads and writes only regular files in DIR\n"
        )
    );
    // A FIFO in place of a definition is refused the same way.
    fs::remove_file(dir.path().join("order.mmd")).expect("the FIFO is removed");
    let made = Command::new("mkfifo")
        .arg(dir.path().join("pipe.json"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let run = statewright_within(&["check", &path], 30);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with(&format!(
            "error: {path}/pipe.json: is not a regular file (a FIFO, socket or device);"
        )),
        "{run:?}"
    );
}

#[cfg(unix)]
#[test]
fn check_follows_a_dir_that_is_itself_a_symlink() {
    let dir = committed("check_dir_link");
    let links = TempDir::new("check_dir_link_to");
    let link = links.path().join("diagrams");
    std::os::unix::fs::symlink(dir.path(), &link).expect("the link is made");
    let link = arg(&link);
    let run = statewright(&["check", &link], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .ends_with("checked 3 files from 1 definition: 3 ok\n"),
        "{run:?}"
    );
}

#[cfg(unix)]
#[test]
fn check_refuses_a_link_to_dev_zero() {
    let dir = committed("check_dev_zero");
    let path = arg(dir.path());
    fs::remove_file(dir.path().join("order.svg")).expect("the file is removed");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("order.svg")).expect("link made");
    let run = statewright_within(&["check", &path], 30);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with(&format!("error: {path}/order.svg: is a symbolic link;")),
        "{run:?}"
    );
}

#[test]
fn check_refuses_an_oversized_file() {
    let dir = committed("check_oversized");
    let path = arg(dir.path());
    let cap = 32 << 20;
    let mut big = order().svg();
    big.push_str(&" ".repeat(cap + 1 - big.len()));
    dir.write("order.svg", &big);
    let run = statewright_within(&["check", &path, "--update"], 60);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "error: {path}/order.svg: is larger than 32 MiB, the most check reads; a file this \
             large is not a diagram statewright renders (delete it, or move it out of DIR)\n"
        )
    );
    assert_eq!(
        fs::metadata(dir.path().join("order.svg"))
            .expect("the file is there")
            .len(),
        cap as u64 + 1,
        "--update left the file alone"
    );
}

#[test]
fn check_update_replaces_the_file_and_keeps_its_permissions() {
    let dir = committed("check_update_replace");
    let path = arg(dir.path());
    dir.write("order.mmd", "stateDiagram-v2\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::Permissions::from_mode(0o640);
        fs::set_permissions(dir.path().join("order.mmd"), mode).expect("the mode is set");
    }
    let run = statewright(&["check", &path, "--update"], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(dir.read("order.mmd"), order().mermaid());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(dir.path().join("order.mmd")).expect("the file is there");
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    }
    // No temporary file is left behind.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .expect("the dir is read")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["order.dot", "order.json", "order.mmd", "order.svg"]);
}

/// A chain of `n` states with an edge back from each to the first: its SVG layout needs about
/// `n * n` points.
fn all_back(n: usize) -> Chart {
    let mut chart = Chart::builder("AllBack");
    let ids: Vec<usize> = (0..n)
        .map(|i| {
            let mut state = chart.state(&format!("S{i}"));
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
fn an_svg_too_large_to_lay_out_is_an_error() {
    let dir = TempDir::new("svg_too_large");
    let json = dir.write("wide.json", &all_back(600).to_json());
    let run = statewright_within(&["render", &json, "--format", "svg"], 120);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(&format!(
            "error: {json}: the chart is too large to lay out as SVG: it needs 360000 layout points"
        )),
        "{run:?}"
    );
    // The other formats still render.
    let run = statewright_within(&["render", &json, "--format", "mermaid"], 120);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // `check` says so about a committed SVG of it, instead of comparing it with a placeholder.
    let path = arg(dir.path());
    dir.write("wide.svg", "<svg/>\n");
    let run = statewright_within(&["check", &path, "--update"], 120);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with(&format!(
            "error: {path}/wide.svg: the chart is too large to lay out as SVG"
        )),
        "{run:?}"
    );
    assert_eq!(dir.read("wide.svg"), "<svg/>\n");
}
