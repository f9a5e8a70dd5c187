//! One line of a journal: a JSON object with a CRC-32 of its own bytes.
//!
//! ```text
//! {"journal":"statewright/1","machine":"Order","fingerprint":"…","definition":"{…}","crc":"89abcdef"}
//! {"machine":"Order","instance":"o-17","sequence":3,"from":"Paid","event":"ship","to":"Shipped","outcome":"applied","at":1764323663000000000,"in_state_ns":5000000,"crc":"01234567"}
//! ```
//!
//! The checksum covers every byte of the line before `,"crc":"`, so any change to the line
//! (a flipped bit, a truncation, a line spliced from elsewhere) is detected before the JSON is
//! even parsed. JSON escapes the quote, so `,"crc":"` cannot occur inside a string.

use std::string::{String, ToString};
use std::vec::Vec;

use serde::Deserialize;

use crate::diagram::json::string;

/// The journal format's name and version, in the header line.
pub(crate) const FORMAT: &str = "statewright/1";

const CRC_FIELD: &[u8] = b",\"crc\":\"";

/// The header: the first line of every journal.
#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    pub(crate) journal: String,
    pub(crate) machine: String,
    pub(crate) fingerprint: String,
    /// The definition JSON of the machine that wrote the journal, as a string.
    pub(crate) definition: String,
}

/// A record line, as read back.
#[derive(Debug, Deserialize)]
pub(crate) struct RecordLine {
    pub(crate) machine: String,
    pub(crate) instance: String,
    pub(crate) sequence: u64,
    pub(crate) from: String,
    pub(crate) event: String,
    pub(crate) to: String,
    pub(crate) outcome: String,
    pub(crate) at: Option<u64>,
    pub(crate) in_state_ns: Option<u64>,
    /// The id the event was delivered under ([`Idempotent`](crate::Idempotent)); absent from
    /// lines without one.
    #[serde(default)]
    pub(crate) event_id: Option<String>,
}

/// The fields of a record line to write.
pub(crate) struct NewRecord<'a> {
    pub(crate) machine: &'a str,
    pub(crate) instance: &'a str,
    pub(crate) sequence: u64,
    pub(crate) from: &'a str,
    pub(crate) event: &'a str,
    pub(crate) to: &'a str,
    pub(crate) outcome: &'a str,
    pub(crate) at: Option<u64>,
    pub(crate) in_state_ns: Option<u64>,
    /// Written only when present, so lines without an id are as before.
    pub(crate) event_id: Option<&'a str>,
}

fn number(value: Option<u64>) -> String {
    value.map_or_else(|| String::from("null"), |v| v.to_string())
}

/// `{body}` with its checksum, and the newline.
fn seal(body: String) -> Vec<u8> {
    let mut line = body.into_bytes();
    let crc = crc32fast::hash(&line);
    line.extend_from_slice(CRC_FIELD);
    line.extend_from_slice(std::format!("{crc:08x}\"}}\n").as_bytes());
    line
}

/// The header line.
pub(crate) fn header(machine: &str, fingerprint: &str, definition_json: &str) -> Vec<u8> {
    seal(std::format!(
        "{{\"journal\":{},\"machine\":{},\"fingerprint\":{},\"definition\":{}",
        string(FORMAT),
        string(machine),
        string(fingerprint),
        string(definition_json)
    ))
}

/// A record line.
pub(crate) fn record(r: &NewRecord<'_>) -> Vec<u8> {
    let mut body = std::format!(
        "{{\"machine\":{},\"instance\":{},\"sequence\":{},\"from\":{},\"event\":{},\"to\":{},\"outcome\":{},\"at\":{},\"in_state_ns\":{}",
        string(r.machine),
        string(r.instance),
        r.sequence,
        string(r.from),
        string(r.event),
        string(r.to),
        string(r.outcome),
        number(r.at),
        number(r.in_state_ns)
    );
    if let Some(id) = r.event_id {
        body.push_str(",\"event_id\":");
        body.push_str(&string(id));
    }
    seal(body)
}

/// Why a line is not a valid line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BadLine {
    /// No `"crc"` field at the end.
    NoChecksum,
    /// The checksum does not match the bytes.
    Checksum,
    /// The checksum matches but the JSON does not have the expected fields.
    Json(String),
}

impl core::fmt::Display for BadLine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BadLine::NoChecksum => f.write_str("no checksum (not a complete journal line)"),
            BadLine::Checksum => f.write_str("checksum mismatch (the line was altered)"),
            BadLine::Json(e) => write!(f, "malformed line: {e}"),
        }
    }
}

/// The JSON object of a line (without its newline), once its checksum is verified.
fn verified(line: &[u8]) -> Result<Vec<u8>, BadLine> {
    let at = line
        .windows(CRC_FIELD.len())
        .rposition(|w| w == CRC_FIELD)
        .ok_or(BadLine::NoChecksum)?;
    let (body, tail) = line.split_at(at);
    let tail = &tail[CRC_FIELD.len()..];
    let hex = match tail {
        [hex @ .., b'"', b'}'] if hex.len() == 8 => hex,
        _ => return Err(BadLine::NoChecksum),
    };
    // Exactly what `seal` writes: lowercase hex digits.
    if !hex
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return Err(BadLine::NoChecksum);
    }
    let expected = core::str::from_utf8(hex)
        .ok()
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or(BadLine::NoChecksum)?;
    if crc32fast::hash(body) != expected {
        return Err(BadLine::Checksum);
    }
    let mut json = body.to_vec();
    json.push(b'}');
    Ok(json)
}

/// Reads a header line.
pub(crate) fn read_header(line: &[u8]) -> Result<Header, BadLine> {
    let json = verified(line)?;
    serde_json::from_slice(&json).map_err(|e| BadLine::Json(e.to_string()))
}

/// Reads a record line.
pub(crate) fn read_record(line: &[u8]) -> Result<RecordLine, BadLine> {
    let json = verified(line)?;
    serde_json::from_slice(&json).map_err(|e| BadLine::Json(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        record(&NewRecord {
            machine: "Order",
            instance: "o-\"17\",\"crc\":\"",
            sequence: 3,
            from: "Paid",
            event: "ship",
            to: "Shipped",
            outcome: "applied",
            at: Some(7),
            in_state_ns: None,
            event_id: Some("m-\"1\"\n,\"crc\":\"0\\"),
        })
    }

    #[test]
    fn lines_read_back_and_detect_any_change() {
        let line = sample();
        assert!(line.ends_with(b"\"}\n"));
        let text = &line[..line.len() - 1];
        let back = read_record(text).unwrap();
        assert_eq!(back.instance, "o-\"17\",\"crc\":\"");
        assert_eq!(
            (back.sequence, back.at, back.in_state_ns),
            (3, Some(7), None)
        );
        assert_eq!(back.event_id.as_deref(), Some("m-\"1\"\n,\"crc\":\"0\\"));
        // Every single-bit flip anywhere in the line is caught.
        for i in 0..text.len() {
            for bit in 0..8 {
                let mut bad = text.to_vec();
                bad[i] ^= 1 << bit;
                assert!(
                    read_record(&bad).is_err(),
                    "flip of bit {bit} at {i} went unnoticed"
                );
            }
        }
        // So is every truncation.
        for end in 0..text.len() {
            assert!(read_record(&text[..end]).is_err());
        }
    }

    #[test]
    fn lines_without_an_event_id_are_unchanged() {
        let line = record(&NewRecord {
            machine: "Order",
            instance: "o-17",
            sequence: 1,
            from: "Pending",
            event: "pay",
            to: "Paid",
            outcome: "applied",
            at: None,
            in_state_ns: Some(5),
            event_id: None,
        });
        let text = core::str::from_utf8(&line).unwrap();
        let crc = crc32fast::hash(
            br#"{"machine":"Order","instance":"o-17","sequence":1,"from":"Pending","event":"pay","to":"Paid","outcome":"applied","at":null,"in_state_ns":5"#,
        );
        assert_eq!(
            text,
            std::format!(
                "{{\"machine\":\"Order\",\"instance\":\"o-17\",\"sequence\":1,\"from\":\"Pending\",\"event\":\"pay\",\"to\":\"Paid\",\"outcome\":\"applied\",\"at\":null,\"in_state_ns\":5,\"crc\":\"{crc:08x}\"}}\n"
            )
        );
        assert_eq!(read_record(&line[..line.len() - 1]).unwrap().event_id, None);
    }

    #[test]
    fn a_checksum_must_be_exactly_eight_lowercase_hex_digits() {
        let line = sample();
        let text = core::str::from_utf8(&line[..line.len() - 1]).unwrap();
        let (body, tail) = text.rsplit_once(",\"crc\":\"").unwrap();
        let crc = u32::from_str_radix(&tail[..8], 16).unwrap();
        assert!(read_record(text.as_bytes()).is_ok());
        // The same value, written any other way, is not a line `seal` wrote.
        for written in [
            std::format!("0{crc:08x}"),
            std::format!("00{crc:08x}"),
            std::format!("{crc:08X}"),
            std::format!("+{crc:07x}"),
            std::format!("{crc:x} "),
        ] {
            let forged = std::format!("{body},\"crc\":\"{written}\"}}");
            assert_eq!(
                read_record(forged.as_bytes()).unwrap_err(),
                BadLine::NoChecksum,
                "{written}"
            );
        }
        // With a value below 0x10000000, the short form of the same value is refused too.
        let small = header("M", "0", "{}");
        let small = core::str::from_utf8(&small[..small.len() - 1]).unwrap();
        let (body, _) = small.rsplit_once(",\"crc\":\"").unwrap();
        let value = crc32fast::hash(body.as_bytes());
        let short = std::format!("{body},\"crc\":\"{value:x}\"}}");
        let padded = std::format!("{body},\"crc\":\"{value:09x}\"}}");
        assert!(read_header(padded.as_bytes()).is_err());
        if value < 0x1000_0000 {
            assert!(read_header(short.as_bytes()).is_err());
        }
    }

    #[test]
    fn headers_read_back() {
        let line = header("Order", "00ff", "{\"a\": 1}\n");
        let back = read_header(&line[..line.len() - 1]).unwrap();
        assert_eq!(back.journal, FORMAT);
        assert_eq!(back.definition, "{\"a\": 1}\n");
        // A header is not a record.
        assert!(matches!(
            read_record(&line[..line.len() - 1]),
            Err(BadLine::Json(_))
        ));
    }
}
