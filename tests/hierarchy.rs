//! Hierarchical states: inheritance, priority, entry and exit order, typed and dynamic APIs,
//! records and replay, timeouts on composites.

use statewright::{Dynamic, Node, StateInfo, StateMachine, TypedMachine, state_machine};

/// What the hooks saw, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Trace(pub Vec<String>);

/// A media player: three levels.
#[state_machine(hooks, context = Trace)]
#[composite(On, initial, enter, exit, on(power -> Off))]
#[composite(Playing, parent = On, enter, exit, on(stop -> Stopped, pause -> Paused))]
#[composite(Seeking, parent = Playing, enter, exit, on(release -> Normal))]
#[derive(Debug, Clone, PartialEq)]
pub enum Player {
    #[initial]
    #[parent(On)]
    #[enter]
    #[exit]
    #[on(play -> Playing)]
    Stopped,
    #[initial]
    #[parent(Playing)]
    #[enter]
    #[exit]
    #[on(forward -> Forward, rewind -> Rewind, restart -> Playing)]
    Normal,
    #[initial]
    #[parent(Seeking)]
    #[enter]
    #[exit]
    #[on(rewind -> Rewind)]
    Forward,
    #[parent(Seeking)]
    #[on(forward -> Forward, stop -> Paused)]
    Rewind,
    #[parent(On)]
    #[on(play -> Playing, reset -> On)]
    Paused,
    #[on(power -> On)]
    Off,
}

impl player::Hooks for Trace {
    type Error = String;

    fn enter_on(&mut self) {
        self.0.push("enter On".into());
    }
    fn exit_on(&mut self) -> Result<(), String> {
        self.0.push("exit On".into());
        Ok(())
    }
    fn enter_playing(&mut self) {
        self.0.push("enter Playing".into());
    }
    fn exit_playing(&mut self) -> Result<(), String> {
        self.0.push("exit Playing".into());
        Ok(())
    }
    fn enter_seeking(&mut self) {
        self.0.push("enter Seeking".into());
    }
    fn exit_seeking(&mut self) -> Result<(), String> {
        self.0.push("exit Seeking".into());
        Ok(())
    }
    fn enter_stopped(&mut self) {
        self.0.push("enter Stopped".into());
    }
    fn exit_stopped(&mut self) -> Result<(), String> {
        self.0.push("exit Stopped".into());
        Ok(())
    }
    fn enter_normal(&mut self) {
        self.0.push("enter Normal".into());
    }
    fn exit_normal(&mut self) -> Result<(), String> {
        if self.0.iter().any(|l| l == "veto") {
            return Err("vetoed".into());
        }
        self.0.push("exit Normal".into());
        Ok(())
    }
    fn enter_forward(&mut self) {
        self.0.push("enter Forward".into());
    }
    fn exit_forward(&mut self) -> Result<(), String> {
        self.0.push("exit Forward".into());
        Ok(())
    }
    fn on_power(&mut self, from: StateInfo, to: StateInfo) -> Result<(), String> {
        self.0.push(format!("power {from} -> {to}"));
        Ok(())
    }
    fn on_restart(&mut self, from: StateInfo, to: StateInfo) -> Result<(), String> {
        self.0.push(format!("restart {from} -> {to}"));
        Ok(())
    }
}

fn dynamic() -> player::Dynamic {
    Dynamic::start_with_context(Player::Stopped, Trace::default(), Default::default()).unwrap()
}

fn take(d: &mut player::Dynamic) -> Vec<String> {
    std::mem::take(&mut d.context_mut().0)
}

#[test]
fn starting_enters_the_composites_outermost_first() {
    let d = dynamic();
    assert_eq!(d.context().0, ["enter On", "enter Stopped"]);
    let typed = player::start(Trace::default());
    assert_eq!(typed.context().0, ["enter On", "enter Stopped"]);
}

#[test]
fn a_transition_to_a_composite_enters_its_initial_states_recursively() {
    let mut d = dynamic();
    take(&mut d);
    let record = d.apply(player::Event::Play).unwrap();
    assert_eq!(record.to_string(), "#1 Stopped --play--> Normal");
    assert_eq!(
        take(&mut d),
        ["exit Stopped", "enter Playing", "enter Normal"]
    );
    d.apply(player::Event::Forward).unwrap();
    assert_eq!(
        take(&mut d),
        ["exit Normal", "enter Seeking", "enter Forward"]
    );
}

#[test]
fn leaving_exits_innermost_first_up_to_the_common_ancestor_and_the_action_runs_between() {
    let mut d = dynamic();
    d.apply(player::Event::Play).unwrap();
    d.apply(player::Event::Forward).unwrap();
    take(&mut d);
    // `power` is declared on `On`: from `Forward` it leaves everything.
    d.apply(player::Event::Power).unwrap();
    assert_eq!(
        take(&mut d),
        [
            "exit Forward",
            "exit Seeking",
            "exit Playing",
            "exit On",
            "power Forward -> Off"
        ]
    );
    d.apply(player::Event::Power).unwrap();
    assert_eq!(
        take(&mut d),
        ["power Off -> Stopped", "enter On", "enter Stopped"]
    );
}

#[test]
fn a_descendant_transition_takes_priority_over_an_ancestor_one() {
    // `stop` on `Playing` leads to `Stopped`; `Rewind` handles `stop` itself.
    let mut d = dynamic();
    d.apply(player::Event::Play).unwrap();
    d.apply(player::Event::Rewind).unwrap();
    assert_eq!(
        d.apply(player::Event::Stop).unwrap().to_string(),
        "#3 Rewind --stop--> Paused"
    );
    let mut d = dynamic();
    d.apply(player::Event::Play).unwrap();
    d.apply(player::Event::Forward).unwrap();
    assert_eq!(
        d.apply(player::Event::Stop).unwrap().to_string(),
        "#3 Forward --stop--> Stopped"
    );
}

#[test]
fn a_composite_self_transition_exits_and_reenters_it() {
    // `restart -> Playing` declared on `Normal`, inside `Playing`: external, leaves `Playing`.
    let mut d = dynamic();
    d.apply(player::Event::Play).unwrap();
    take(&mut d);
    d.apply(player::Event::Restart).unwrap();
    assert_eq!(
        take(&mut d),
        [
            "exit Normal",
            "exit Playing",
            "restart Normal -> Normal",
            "enter Playing",
            "enter Normal"
        ]
    );
    // The same through the typed API.
    let typed = player::start(Trace::default()).play().unwrap();
    let mut typed = typed.restart().unwrap();
    typed.context_mut().0.clear();
    let typed = typed.forward().unwrap();
    assert_eq!(
        typed.context().0,
        ["exit Normal", "enter Seeking", "enter Forward"]
    );
}

#[test]
fn a_vetoing_exit_hook_leaves_everything_as_it_was() {
    let mut d = dynamic();
    d.apply(player::Event::Play).unwrap();
    d.context_mut().0 = vec!["veto".into()];
    let rejection = d.apply(player::Event::Power).unwrap_err();
    assert_eq!(rejection.into_event(), player::Event::Power);
    assert_eq!(d.state(), &Player::Normal);
    assert_eq!(d.context().0, ["veto"]);
}

#[test]
fn records_name_states_and_replay_against_the_definition() {
    let mut d = dynamic();
    for e in [
        player::Event::Play,
        player::Event::Forward,
        player::Event::Release,
        player::Event::Pause,
    ] {
        d.apply(e).unwrap();
    }
    assert_eq!(
        d.recorder().to_string(),
        "#1 Stopped --play--> Normal\n#2 Normal --forward--> Forward\n\
         #3 Forward --release--> Normal\n#4 Normal --pause--> Paused\n"
    );
    let history = d.recorder().clone().into_vec();
    let replayed = Player::DEFINITION.replay(&history).unwrap();
    assert_eq!(replayed.state().name(), "Paused");
    let resumed = Dynamic::resume_with_context(
        Player::Paused,
        Trace::default(),
        &history,
        statewright::Memory::new(),
    );
    assert!(resumed.is_ok());
}

#[test]
fn the_definition_knows_the_path_and_where_each_transition_is_declared() {
    let def = Player::DEFINITION;
    let forward = def.state("Forward").unwrap();
    let path: Vec<_> = forward.ancestors().map(|c| c.name()).collect();
    assert_eq!(path, ["Seeking", "Playing", "On"]);
    let power = forward
        .transitions()
        .find(|t| t.event().name() == "power")
        .unwrap();
    assert_eq!(
        power.source(),
        Node::Composite(def.composite("On").unwrap())
    );
    assert_eq!(power.to().name(), "Off");
    let on = def.composite("On").unwrap();
    assert_eq!(on.transitions().count(), 1);
    assert_eq!(on.initial_state().name(), "Stopped");
    // Declared once, inherited by the five states inside `On`.
    let declared: Vec<String> = def
        .declared_transitions()
        .map(|t| format!("{} --{}--> {}", t.source(), t.event(), t.target()))
        .collect();
    assert!(
        declared.contains(&"On --power--> Off".to_owned()),
        "{declared:?}"
    );
    assert_eq!(declared.iter().filter(|l| l.contains("power")).count(), 2);
}

/// Code generic over any state inside a composite: the composite's events are callable.
fn power_off<S: player::InOn>(machine: player::Machine<S>) -> player::Machine<player::Off> {
    match machine.power() {
        Ok(off) => off,
        Err(_) => unreachable!("no hook vetoes `power`"),
    }
}

#[test]
fn a_composite_trait_lets_code_handle_any_state_inside_it() {
    let stopped = player::start(Trace::default());
    let playing = player::start(Trace::default()).play().unwrap();
    let off = power_off(stopped);
    assert_eq!(
        off.recorder().last().unwrap().to_string(),
        "#1 Stopped --power--> Off"
    );
    let off = power_off(playing);
    assert_eq!(
        off.recorder().last().unwrap().to_string(),
        "#2 Normal --power--> Off"
    );
}

/// A session whose `Active` composite times out as a whole: moving inside it keeps the clock
/// running; leaving and entering it again restarts it.
#[state_machine]
#[composite(Active, initial, timeout(30s -> Expired), on(logout -> Out, refresh -> Active))]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Session {
    #[initial]
    #[parent(Active)]
    #[on(click -> Busy)]
    Idle,
    #[parent(Active)]
    #[on(done -> Idle)]
    Busy,
    #[on(login -> Active)]
    Out,
    #[terminal]
    Expired,
}

mod timeouts {
    use std::time::Duration;

    use statewright::{Dynamic, ManualClock, Memory, Node, StateMachine, Timed, Timestamp};

    use super::{Session, session};

    fn timed(clock: &ManualClock) -> Timed<Session, Memory, ManualClock> {
        Timed::new(Dynamic::start(Session::Idle).unwrap(), clock.clone())
    }

    fn clock() -> ManualClock {
        ManualClock::new(Timestamp::from_unix_nanos(1_700_000_000_000_000_000))
    }

    #[test]
    fn every_state_inside_inherits_the_composites_timeout() {
        let active = Session::DEFINITION.composite("Active").unwrap();
        let timeouts: Vec<_> = Session::DEFINITION.timeouts().collect();
        assert_eq!(timeouts.len(), 2);
        for t in timeouts {
            assert_eq!(t.source(), Node::Composite(active));
            assert_eq!(
                (t.after(), t.to().name()),
                (Duration::from_secs(30), "Expired")
            );
        }
    }

    #[test]
    fn the_timeout_runs_while_the_machine_moves_inside_the_composite() {
        let clock = clock();
        let mut s = timed(&clock);
        clock.advance(Duration::from_secs(20));
        s.apply(session::Event::Click).unwrap();
        // Still the timeout armed on entering `Active`: 10 s left, not 30.
        assert_eq!(s.due_in(), Some(Duration::from_secs(10)));
        clock.advance(Duration::from_secs(5));
        s.apply(session::Event::Done).unwrap();
        assert_eq!(s.due_in(), Some(Duration::from_secs(5)));
        clock.advance(Duration::from_secs(5));
        let fired = s.fire_due().unwrap().unwrap();
        assert_eq!(fired.to_string(), "#3 Idle --timeout--> Expired");
    }

    #[test]
    fn leaving_and_entering_the_composite_again_restarts_it() {
        let clock = clock();
        let mut s = timed(&clock);
        clock.advance(Duration::from_secs(20));
        // `refresh -> Active` is declared on `Active`: external, it leaves and enters `Active`.
        s.apply(session::Event::Refresh).unwrap();
        assert_eq!(s.due_in(), Some(Duration::from_secs(30)));
        clock.advance(Duration::from_secs(20));
        s.apply(session::Event::Logout).unwrap();
        assert_eq!(s.due_in(), None);
        clock.advance(Duration::from_secs(60));
        assert!(s.fire_due().is_none());
        s.apply(session::Event::Login).unwrap();
        assert_eq!(s.due_in(), Some(Duration::from_secs(30)));
    }

    #[test]
    fn a_refused_event_changes_no_deadline() {
        let clock = clock();
        let mut s = timed(&clock);
        clock.advance(Duration::from_secs(20));
        assert!(s.apply(session::Event::Login).is_err());
        assert_eq!(s.due_in(), Some(Duration::from_secs(10)));
    }
}

#[cfg(feature = "journal")]
mod journal {
    use statewright::journal::{Durability, Journal};
    use statewright::{Dynamic, StateMachine};

    use super::{Session, session};

    #[test]
    fn a_nested_machine_journals_recovers_and_resumes() {
        let dir = std::env::temp_dir().join(format!("sw-hier-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sessions.jsonl");
        let _ = std::fs::remove_file(&path);
        let journal = Journal::open(&path, Session::DEFINITION, Durability::Flush).unwrap();
        let mut s = Dynamic::start_with(Session::Idle, journal.recorder("s-1")).unwrap();
        s.apply(session::Event::Click).unwrap();
        s.apply(session::Event::Logout).unwrap();
        drop((s, journal));

        let journal = Journal::open(&path, Session::DEFINITION, Durability::Flush).unwrap();
        assert_eq!(journal.instances_in("Out"), ["s-1"]);
        let history = journal.history("s-1").unwrap();
        let mut s = Dynamic::resume(Session::Out, history, journal.recorder("s-1")).unwrap();
        let record = s.apply(session::Event::Login).unwrap();
        assert_eq!(record.to_string(), "#3 Out --login--> Idle");
        drop((s, journal));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(feature = "serde")]
mod snapshots {
    use statewright::{Dynamic, Memory, Snapshot};

    use super::{Session, session};

    #[test]
    fn a_snapshot_of_a_nested_machine_restores() {
        let mut s = Dynamic::start(Session::Idle).unwrap();
        s.apply(session::Event::Click).unwrap();
        let json = serde_json::to_string(&Snapshot::of(&s, "s-1")).unwrap();
        let snapshot: Snapshot<Session> = serde_json::from_str(&json).unwrap();
        let history = s.recorder().clone().into_vec();
        let restored = snapshot.restore(Memory::from(history)).unwrap();
        assert_eq!(restored.state(), &Session::Busy);
    }
}

/// The same states and transitions as `Session`, flat: the hierarchy is in the fingerprint.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum FlatSession {
    #[initial]
    #[timeout(30s -> Expired)]
    #[on(click -> Busy, logout -> Out, refresh -> Idle)]
    Idle,
    #[timeout(30s -> Expired)]
    #[on(done -> Idle, logout -> Out, refresh -> Idle)]
    Busy,
    #[on(login -> Idle)]
    Out,
    #[terminal]
    Expired,
}

#[test]
fn the_fingerprint_tells_a_nested_machine_from_its_flattening() {
    let nested: Vec<String> = Session::DEFINITION
        .transitions()
        .map(|t| t.to_string())
        .collect();
    let flat: Vec<String> = FlatSession::DEFINITION
        .transitions()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(nested.len(), flat.len());
    assert_ne!(
        Session::DEFINITION.fingerprint(),
        FlatSession::DEFINITION.fingerprint()
    );
}

/// Choices and guards declared on a composite, and an async machine with composite hooks.
#[state_machine(async, hooks, context = Trace)]
#[composite(Open, initial, exit, on(close -> Closed | Failed, audit -> Audited?))]
#[derive(Debug, Clone, PartialEq)]
pub enum Ticket {
    #[initial]
    #[parent(Open)]
    #[on(assign -> Assigned)]
    New,
    #[parent(Open)]
    #[exit]
    #[on(unassign -> New)]
    Assigned,
    #[on(reopen -> Open)]
    Audited,
    #[terminal]
    Closed,
    #[terminal]
    Failed,
}

impl ticket::Hooks for Trace {
    type Error = String;

    async fn exit_open(&mut self) -> Result<(), String> {
        self.0.push("exit Open".into());
        Ok(())
    }
    async fn exit_assigned(&mut self) -> Result<(), String> {
        self.0.push("exit Assigned".into());
        Ok(())
    }
}

mod composite_choices_guards_async {
    use statewright::__private::block_on;
    use statewright::awaited::Ready;
    use statewright::{Awaited, Dynamic, StateMachine};

    use super::{Ticket, Trace, ticket};

    #[test]
    fn a_choice_and_a_guard_on_a_composite_are_inherited_and_hooks_are_awaited() {
        let recorder = Awaited(Ready(statewright::Memory::new()));
        let mut t = Dynamic::start_with_context(Ticket::New, Trace::default(), recorder).unwrap();
        block_on(t.apply(ticket::Event::Assign)).unwrap();
        // A declined guard refuses the event; nothing is left.
        let refused = block_on(t.apply(ticket::Event::Audit(None))).unwrap_err();
        assert_eq!(refused.into_event(), ticket::Event::Audit(None));
        assert!(t.context().0.is_empty());
        let record = block_on(t.apply(ticket::Event::Audit(Some(ticket::Audited)))).unwrap();
        assert_eq!(record.to_string(), "#3 Assigned --audit--> Audited");
        assert_eq!(t.context().0, ["exit Assigned", "exit Open"]);
        block_on(t.apply(ticket::Event::Reopen)).unwrap();
        let record = block_on(t.apply(ticket::Event::Close(ticket::Failed.into()))).unwrap();
        assert_eq!(record.to_string(), "#5 New --close--> Failed");
        assert!(
            Ticket::DEFINITION
                .state("New")
                .unwrap()
                .transitions()
                .any(|t| t.is_choice())
        );
    }

    #[test]
    fn a_choice_on_a_composite_is_declared_once_per_branch() {
        let open = Ticket::DEFINITION.composite("Open").unwrap();
        let declared: Vec<String> = open
            .transitions()
            .map(|t| format!("{} --{}--> {}", t.source(), t.event(), t.target()))
            .collect();
        assert_eq!(
            declared,
            [
                "Open --close--> Closed",
                "Open --close--> Failed",
                "Open --audit--> Audited"
            ]
        );
    }

    #[test]
    fn typed_awaited_transitions_run_the_composites_async_hooks() {
        use statewright::TypedMachine;
        let recorder = Awaited(Ready(statewright::Memory::new()));
        let assigned = block_on(ticket::start_with(Trace::default(), recorder).assign()).unwrap();
        let audited = block_on(assigned.audit(Some(ticket::Audited)))
            .unwrap()
            .unwrap();
        assert_eq!(audited.context().0, ["exit Assigned", "exit Open"]);
        assert_eq!(audited.sequence(), 2);
    }
}

/// Two ways from one state to the same target: its own (`skip`, stays inside `Busy`) and an
/// inherited one (`finish`, leaves `Busy`): hooks tell them apart by event, not by target.
#[state_machine(hooks, context = Trace)]
#[composite(Busy, initial, exit, on(finish -> Next, abort -> Done, retry -> Busy))]
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    #[initial]
    #[parent(Busy)]
    #[on(skip -> Next)]
    Working,
    #[parent(Busy)]
    #[on(go -> Done)]
    Next,
    #[terminal]
    Done,
}

impl job::Hooks for Trace {
    type Error = String;

    fn exit_busy(&mut self) -> Result<(), String> {
        self.0.push("exit Busy".into());
        Ok(())
    }
}

#[test]
fn the_exit_set_follows_the_event_not_only_the_target() {
    let mut d =
        Dynamic::start_with_context(Job::Working, Trace::default(), statewright::Memory::new())
            .unwrap();
    d.apply(job::Event::Skip).unwrap();
    assert!(d.context().0.is_empty(), "{:?}", d.context().0);
    let mut d =
        Dynamic::start_with_context(Job::Working, Trace::default(), statewright::Memory::new())
            .unwrap();
    d.apply(job::Event::Finish).unwrap();
    assert_eq!(d.context().0, ["exit Busy"]);
}

#[test]
fn declared_transitions_list_each_composite_transition_once() {
    let declared: Vec<String> = Job::DEFINITION
        .declared_transitions()
        .map(|t| format!("{} --{}--> {}", t.source(), t.event(), t.target()))
        .collect();
    assert_eq!(
        declared,
        [
            "Working --skip--> Next",
            "Busy --finish--> Next",
            "Busy --abort--> Done",
            "Busy --retry--> Busy",
            "Next --go--> Done",
        ]
    );
    assert_eq!(Job::DEFINITION.transitions().count(), 8);
}
