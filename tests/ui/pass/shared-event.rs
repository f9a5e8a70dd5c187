use statewright::state_machine;

use statewright::TypedMachine;

// `stop` leaves two states for the same target; `reset` leaves two states for different
// targets (which therefore carry no data).
#[state_machine]
#[derive(Debug, PartialEq)]
enum Job {
    #[initial]
    #[on(run -> Running)]
    Queued,
    #[on(finish -> Done, fail -> Failed, stop -> Stopped)]
    Running,
    #[on(reset -> Queued, stop -> Stopped)]
    Failed,
    #[on(reset -> Running)]
    Done,
    #[terminal]
    Stopped,
}

fn main() {
    let failed = job::start().run().fail();
    let queued: job::Machine<job::Queued> = failed.reset();
    let done = queued.run().finish();
    let running: job::Machine<job::Running> = done.reset();
    let stopped = running.fail().stop();
    assert_eq!(stopped.sequence(), 8);

    let mut d = job::Dynamic::from(job::start());
    for event in [job::Event::Run, job::Event::Finish, job::Event::Reset, job::Event::Fail, job::Event::Reset] {
        d.apply(event).unwrap();
    }
    assert_eq!(d.state(), &Job::Queued);
}
