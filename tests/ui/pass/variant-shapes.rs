use statewright::state_machine;

use statewright::TypedMachine;

#[state_machine]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Upload {
    #[initial]
    #[on(begin -> Sending)]
    Idle,
    #[on(progress -> Sending, finish -> Done)]
    Sending(u64, u64),
    #[on(archive -> Archived)]
    Done { bytes: u64, checksum: [u8; 4] },
    #[on(restore -> Empty)]
    Archived {},
    #[terminal]
    Empty(),
}

fn main() {
    let m = upload::start().begin(upload::Sending(0, 100));
    let m = m.progress_with(|upload::Sending(sent, total)| upload::Sending(sent + 50, total));
    assert_eq!(*m, upload::Sending(50, 100));
    let m = m.finish(upload::Done { bytes: 100, checksum: [1, 2, 3, 4] });
    let m = m.archive().restore();
    assert_eq!(m.sequence(), 5);
    assert_eq!(m.state_info().name(), "Empty");
    let _: upload::Machine<upload::Empty> = m;
}
