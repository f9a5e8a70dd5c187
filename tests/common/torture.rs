//! The escaping torture machine: every feature a diagram draws (a choice, a guard, timeouts
//! with and without a named event, entry and exit hooks, a self-loop, terminal states) and
//! names and docs holding what the diagram formats treat specially.
//!
//! Its diagrams are committed under `diagrams/torture.*` by `tests/diagrams.rs`, like the
//! examples', and `tools/renderers/check.sh` renders them with the real tools (Mermaid,
//! Graphviz, PlantUML), which must draw them without a parse error or a warning and show every
//! state's name and every transition's label. Names are what the macro accepts: identifiers
//! that are keywords of a format (`end`, `note`, `state`, `scale`, `href`, `node`, `title`),
//! unicode, underscores that Markdown would read as emphasis (`_Draft_`), a raw identifier
//! (`r#loop`). The docs hold the rest: quotes, colons, semicolons, `#`, `%`, angle brackets,
//! `--`, markup of every format and a very long first paragraph.

// States named like the formats' keywords (`end`, `note`, `state`), and one whose underscores
// Markdown would take for emphasis, are the point of this machine; the lint would also fire on
// the state types the macro generates from them, hence the whole module.
#![allow(non_camel_case_types)]

use statewright::{StateInfo, state_machine};

/// What the hooks did, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Log(pub Vec<String>);

/// Torture: "quotes", a colon: here; a semicolon; #hash 50% <angle> & --dashes-- [*] --> end.
///
/// A second paragraph: not drawn.
#[state_machine(context = Log)]
#[derive(Debug, Clone, PartialEq)]
pub enum Torture {
    /// Idle: "quoted" 'single' a colon: b, a::path, ends with a colon: ; semicolon; #hash #35;
    /// 50% 100%% %%{init: {"theme": "dark"}}%% <b>bold</b> <br/> &amp; & &#59; --dashes--
    /// --> [*] -- `tick` **stars** *star* _under_ __double__ ~~strike~~ ~tilde ^caret^ ""q""
    /// ''q'' ==eq== |pipe| ||pp|| {braces} [[fork]] [[choice]] <<choice>> (parens) \back\slash
    /// \n not a newline, direction LR, direction	TB after a tab, end note, classDef x fill:#f00,
    /// state "x" as y, note right of Idle: x, hide empty description, @enduml @startuml, -[#red]->
    /// http://example.com/a?b=c#d, café ünïcödé 日本語 ✓ 🚦.
    ///
    /// A second paragraph: not drawn.
    #[initial]
    #[timeout(30s -> Expired)]
    #[on(start -> Running | Failed, cancel -> Cancelled?, r#loop -> Idle)]
    Idle,
    /// Running; entered and left through hooks: end.
    #[enter]
    #[exit]
    #[timeout(2d, escalate -> scale)]
    #[on(tick -> Running, note -> note, end -> end, direction -> Café)]
    Running,
    /// Failed: it may be retried.
    #[on(retry -> Idle, href -> href)]
    Failed,
    /// note: a state named like the keyword of Mermaid's and PlantUML's notes.
    #[on(end -> end, class -> state)]
    note,
    /// state: named like the keyword that declares a state.
    #[on(end -> end, title -> Title)]
    state,
    /// Café: a state named in unicode.
    #[on(end -> end, draft -> _Draft_)]
    Café,
    /// _Draft_: underscores that Markdown would read as emphasis.
    #[on(end -> end, node -> Node)]
    _Draft_,
    /// scale: Mermaid's keyword for the diagram's width.
    #[on(end -> end)]
    scale,
    /// href: Mermaid's keyword for a link.
    #[on(end -> end)]
    href,
    /// Title: PlantUML's keyword for the diagram's title.
    #[on(end -> end)]
    Title,
    /// Node: Graphviz's keyword for node attributes.
    #[on(end -> end)]
    Node,
    /// A very long doc: one paragraph of several thousand characters, drawn whole. The states of
    /// a real machine are documented for the people who maintain it, and some write a lot: the
    /// protocol it follows, the cases it covers, the ones it does not, who calls it and why, what
    /// happens to the data it holds, and where to read more. A diagram that draws the first
    /// paragraph of such a doc draws all of it, on one line, however long it is, and the
    /// renderers must take it without truncating it, without wrapping it into something their
    /// parser misreads, and without giving up because a line is too long. This paragraph goes
    /// on for a while to make that true: it repeats what it says. The states of a real machine
    /// are documented for the people who maintain it, and some write a lot: the protocol it
    /// follows, the cases it covers, the ones it does not, who calls it and why, what happens to
    /// the data it holds, and where to read more. A diagram that draws the first paragraph of
    /// such a doc draws all of it, on one line, however long it is, and the renderers must take
    /// it without truncating it, without wrapping it into something their parser misreads, and
    /// without giving up because a line is too long. The states of a real machine are
    /// documented for the people who maintain it, and some write a lot: the protocol it
    /// follows, the cases it covers, the ones it does not, who calls it and why, what happens to
    /// the data it holds, and where to read more. A diagram that draws the first paragraph of
    /// such a doc draws all of it, on one line, however long it is, and the renderers must take
    /// it without truncating it, without wrapping it into something their parser misreads, and
    /// without giving up because a line is too long. The states of a real machine are
    /// documented for the people who maintain it, and some write a lot: the protocol it
    /// follows, the cases it covers, the ones it does not, who calls it and why, what happens to
    /// the data it holds, and where to read more. A diagram that draws the first paragraph of
    /// such a doc draws all of it, on one line, however long it is, and the renderers must take
    /// it without truncating it, without wrapping it into something their parser misreads, and
    /// without giving up because a line is too long: the end.
    #[terminal]
    end,
    /// Cancelled: the guard let it through.
    #[terminal]
    Cancelled,
    /// Expired: after 30s idle.
    #[terminal]
    Expired,
}

impl torture::Hooks for Log {
    type Error = String;

    fn enter_running(&mut self) {
        self.0.push("enter Running".into());
    }

    fn exit_running(&mut self) -> Result<(), String> {
        self.0.push("exit Running".into());
        Ok(())
    }

    fn on_tick(&mut self, _: StateInfo, _: StateInfo) -> Result<(), String> {
        self.0.push("tick".into());
        Ok(())
    }
}
