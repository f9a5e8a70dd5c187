//! `statewright journal repair` on journal files written here line by line.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use statewright_runtime::diagram::Chart;

/// Runs `statewright args...`; returns the exit code, stdout and stderr.
fn statewright(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_statewright"))
        .args(args)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        !stderr.contains("panicked"),
        "the binary panicked: {stderr}"
    );
    (
        output.status.code().expect("the binary exits (no signal)"),
        String::from_utf8(output.stdout).unwrap(),
        stderr,
    )
}

/// A directory of its own for one test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("statewright-cli-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// CRC-32 (IEEE), as journal lines use.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `body` (a JSON object without its closing brace) as a journal line with its checksum.
fn sealed(body: &str) -> String {
    format!("{body},\"crc\":\"{:08x}\"}}\n", crc32(body.as_bytes()))
}

fn record(instance: &str, sequence: u64, from: &str, event: &str, to: &str) -> String {
    sealed(&format!(
        "{{\"machine\":\"Order\",\"instance\":\"{instance}\",\"sequence\":{sequence},\"from\":\"{from}\",\"event\":\"{event}\",\"to\":\"{to}\",\"outcome\":\"applied\",\"at\":null,\"in_state_ns\":null"
    ))
}

/// `Pending --pay--> Paid --ship--> Shipped`.
fn order() -> Chart {
    let mut chart = Chart::builder("Order");
    let pending = chart.state("Pending").initial().id();
    let paid = chart.state("Paid").id();
    let shipped = chart.state("Shipped").terminal().id();
    chart
        .transition(pending, "pay", paid)
        .transition(paid, "ship", shipped);
    chart.build().unwrap()
}

#[test]
fn journal_repair_moves_damaged_lines_to_a_side_file() {
    let dir = TempDir::new("journal-repair");
    let path = dir.0.join("orders.journal");
    let header = sealed(&format!(
        "{{\"journal\":\"statewright/1\",\"machine\":\"Order\",\"fingerprint\":\"0\",\"definition\":{}",
        serde_json::to_string(&order().to_json()).unwrap()
    ));
    let a1 = record("a", 1, "Pending", "pay", "Paid");
    let b1 =
        record("b", 1, "Pending", "pay", "Paid").replace("Paid\",\"outcome", "Paix\",\"outcome");
    let b2 = record("b", 2, "Paid", "ship", "Shipped");
    let a2 = record("a", 2, "Paid", "ship", "Shipped");
    // Not a legal step of the chart in the header.
    let c1 = record("c", 1, "Pending", "ship", "Shipped");
    let journal = [&header, &a1, &b1, &b2, &a2, &c1]
        .map(String::as_str)
        .concat();
    fs::write(&path, &journal).unwrap();
    let file = path.to_str().unwrap();

    let (code, stdout, stderr) = statewright(&["journal", "repair", file]);
    assert_eq!(code, 0, "{stderr}");
    let side = dir.0.join("orders.journal.removed");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with("removed line 3 (")
            && lines[0].ends_with("checksum mismatch (the line was altered)"),
        "{stdout}"
    );
    assert!(
        lines[1].ends_with("instance `b`: record #2 follows #0"),
        "{stdout}"
    );
    assert!(lines[2].starts_with("removed line 6 ("), "{stdout}");
    assert!(
        lines[2].contains("is not a legal step of `Order`"),
        "{stdout}"
    );
    assert_eq!(
        lines[3],
        format!(
            "repaired {file}: kept 2 records, removed 3 lines into {}",
            side.display()
        )
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        [&header, &a1, &a2].map(String::as_str).concat()
    );
    assert_eq!(
        fs::read_to_string(&side).unwrap(),
        [&b1, &b2, &c1].map(String::as_str).concat()
    );

    // Again: nothing to do, nothing changed.
    let (code, stdout, _) = statewright(&["journal", "repair", file]);
    assert_eq!(
        (code, stdout),
        (0, format!("{file} needs no repair: 2 records\n"))
    );

    // Not a journal, or missing: exit code 2 and one error line naming the file.
    let other = dir.0.join("notes.txt");
    fs::write(&other, "hello\n").unwrap();
    let (code, _, stderr) = statewright(&["journal", "repair", other.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: not a statewright journal: line 1:",
            other.display()
        )),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&other).unwrap(), "hello\n");
    let missing = dir.0.join("missing.journal");
    let (code, _, stderr) = statewright(&["journal", "repair", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!missing.exists());
}
