// Raw identifiers name states and events: `r#loop` is the event `loop` (its method is
// `r#loop`), `r#loop2` is the plain event `loop2`, and `r#Start` is the state `Start`. Records,
// the definition and the diagrams name them without the `r#`.
use statewright::state_machine;

use statewright::TypedMachine;

#[state_machine]
#[derive(Debug, Clone, PartialEq)]
enum Spin {
    #[initial]
    #[enter]
    #[on(r#loop -> B, r#go -> r#Start)]
    r#Start,
    #[on(r#loop2 -> Start, r#match -> C)]
    B,
    #[on(done -> r#Start)]
    C,
}

// The hook of `r#Start` is `enter_start`.
impl spin::Hooks for () {
    type Error = core::convert::Infallible;
    fn enter_start(&mut self) {}
}

fn main() {
    // Hooks that cannot fail (`Infallible`) leave transitions returning the machine.
    let m = spin::start().r#loop().loop2();
    let m = m.r#go().r#loop().r#match();
    let records: Vec<String> = m.recorder().iter().map(|r| r.to_string()).collect();
    assert_eq!(
        records,
        [
            "#1 Start --loop--> B",
            "#2 B --loop2--> Start",
            "#3 Start --go--> Start",
            "#4 Start --loop--> B",
            "#5 B --match--> C",
        ]
    );
    assert_eq!(TypedMachine::state_info(&m).name(), "C");

    let states: Vec<&str> = spin::DEFINITION.states().map(|s| s.name()).collect();
    assert_eq!(states, ["Start", "B", "C"]);
    let events: Vec<&str> = spin::DEFINITION.events().map(|e| e.name()).collect();
    assert_eq!(events, ["loop", "go", "loop2", "match", "done"]);
    assert!(spin::DEFINITION.event("loop").is_some());
    assert!(spin::DEFINITION.state("Start").is_some());

    let mermaid = spin::DEFINITION.mermaid();
    assert!(!mermaid.contains("r#"), "{mermaid}");
    assert!(mermaid.contains("loop2"), "{mermaid}");
    let dot = spin::DEFINITION.dot();
    assert!(!dot.contains("r#"), "{dot}");
    assert!(dot.contains("\"Start\""), "{dot}");

    let d = spin::Dynamic::from(m);
    assert_eq!(d.state(), &Spin::C);
    assert!(format!("{:?}", spin::Event::Loop).contains("Loop"));
}
