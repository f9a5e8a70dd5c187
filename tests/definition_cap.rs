//! Definition text embedded in a snapshot comes from outside the program: when it is longer
//! than `diagram::MAX_DEFINITION_LEN`, restoring says so instead of parsing it.
#![cfg(feature = "serde")]

use statewright::diagram::MAX_DEFINITION_LEN;
use statewright::{Dynamic, Memory, Snapshot, SnapshotError, StateMachine, state_machine};

mod v1 {
    use super::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub enum Light {
        #[initial]
        #[on(toggle -> On)]
        Off,
        #[on(toggle -> Off)]
        On,
    }
}

/// The next version: a light can also break.
mod v2 {
    use super::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub enum Light {
        #[initial]
        #[on(toggle -> On)]
        Off,
        #[on(toggle -> Off, smash -> Broken)]
        On,
        #[terminal]
        Broken,
    }
}

/// A v1 snapshot, with its definition text replaced by `edit` of it.
fn snapshot(edit: impl Fn(&str) -> String) -> String {
    let light = Dynamic::start_with(v1::Light::Off, Memory::new()).expect("the machine starts");
    let text = serde_json::to_string(&Snapshot::of(&light, "l-1")).expect("it serializes");
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("a snapshot is an object");
    let definition = object["definition"]
        .as_str()
        .expect("the definition is a string")
        .to_string();
    object.insert("definition".into(), edit(&definition).into());
    serde_json::to_string(&object).expect("it serializes")
}

fn changes(snapshot: &str) -> Vec<String> {
    let error = serde_json::from_str::<Snapshot<v2::Light>>(snapshot)
        .expect("the snapshot reads")
        .restore(Memory::new())
        .expect_err("another definition");
    match error {
        SnapshotError::DefinitionMismatch {
            expected, changes, ..
        } => {
            assert_eq!(expected, v2::Light::DEFINITION.fingerprint());
            changes
        }
        error => panic!("{error}"),
    }
}

#[test]
fn a_recorded_definition_over_the_cap_is_not_parsed_and_says_so() {
    // As written: the changes are listed.
    assert_eq!(
        changes(&snapshot(|text| text.to_string())),
        ["+ state Broken", "+ On --smash--> Broken"]
    );
    // Padded with JSON whitespace to one byte over the cap: the same definition, not read.
    let padded =
        snapshot(|text| format!("{text}{}", " ".repeat(MAX_DEFINITION_LEN + 1 - text.len())));
    assert_eq!(
        changes(&padded),
        [format!(
            "(not listed: the recorded definition cannot be compared: the definition JSON is {} \
             bytes, more than the {MAX_DEFINITION_LEN} statewright reads; it was not read)",
            MAX_DEFINITION_LEN + 1
        )]
    );
}
