//! The TCP connection state machine of RFC 793 (Figure 6), driven through both of statewright's
//! APIs.
//!
//! The machine itself (`enum Tcp`, 11 states and the figure's 19 arcs) is defined in
//! `tests/common/tcp.rs`, which the integration tests include too, so that they check exactly
//! the machine this example runs. This example:
//!
//! 1. prints the machine's definition: its initial state and every transition;
//! 2. walks a client through an active open (the three-way handshake), data transfer and an
//!    active close ending with the TIME-WAIT timeout, with the typed API, where each event is
//!    a method that only compiles in the states that allow it;
//! 3. drives a server through a passive open and a passive close with the dynamic API, from a
//!    list of events given as data, two of which are not allowed where they arrive: the machine
//!    rejects them, records the rejection and stays where it is;
//! 4. prints the server's full record, one line per attempt.
//!
//! Run it with `cargo run --example tcp`. The output is deterministic: records print without
//! their timestamps.

#[path = "../tests/common/tcp.rs"]
mod tcp_machine;

use statewright::{Memory, StateMachine, TypedMachine};
use tcp_machine::{Tcp, tcp};

fn main() {
    print!("{}", Tcp::DEFINITION);
    println!();
    client();
    println!();
    server();
}

/// An active open and an active close, with the typed API.
fn client() {
    println!("Client, typed API:");
    let m = tcp::start();
    println!("  {:<40} in {}", "start", m.state_info().name());

    let m = m.active_open();
    step("active OPEN: create TCB, snd SYN", &m);
    let m = m.rcv_syn_ack();
    step("rcv SYN,ACK: snd ACK", &m);

    // Data flows while the connection stays ESTABLISHED: that is not a transition, so it
    // writes no record. (`m.timeout()` would not compile here: ESTABLISHED has no such arc.)
    println!(
        "  {:<40} still {}, {} records",
        "data transfer",
        m.state_info().name(),
        m.sequence()
    );

    let m = m.close();
    step("CLOSE: snd FIN", &m);
    let m = m.rcv_ack_of_fin();
    step("rcv ACK of FIN", &m);
    let m = m.rcv_fin();
    step("rcv FIN: snd ACK", &m);
    let m = m.timeout();
    step("Timeout=2MSL: delete TCB", &m);
}

/// Prints what a typed transition just did: its label in the figure and its record.
fn step<M: TypedMachine<Recorder = Memory>>(label: &str, m: &M) {
    let record = m.recorder().last().expect("a transition writes a record");
    println!("  {label:<40} {record}");
}

/// A passive open and a passive close, with the dynamic API, from events given as data.
fn server() {
    println!("Server, dynamic API:");
    let script = [
        tcp::Event::PassiveOpen,
        tcp::Event::RcvSyn,
        tcp::Event::RcvAckOfSyn,
        // A stray SYN,ACK on an established connection: not an arc of the figure.
        tcp::Event::RcvSynAck,
        tcp::Event::RcvFin,
        // A 2MSL timer firing while the application has not closed yet: not allowed either.
        tcp::Event::Timeout,
        tcp::Event::Close,
        tcp::Event::RcvAckOfFin,
    ];
    let mut d = tcp::Dynamic::from(tcp::start());
    for event in script {
        println!(
            "  in {:<12} allowed: {}",
            d.state_info().name(),
            d.allowed_events()
        );
        match d.apply(event) {
            Ok(record) => println!("    applied   {record}"),
            Err(rejection) => {
                println!("    rejected  {rejection}");
                let event = rejection.into_event();
                println!("    handed back {event:?}; still in {:?}", d.state());
            }
        }
    }

    println!();
    println!("Server record ({} attempts):", d.sequence());
    print!("{}", d.recorder());
}
