//! A connection that opens and closes a socket in its hooks: `cargo run --example connection`.
//!
//! The machine's context is the network (the open sockets and a log); the hooks use it:
//!
//! 1. `on_connect`, the transition action, opens a socket. It can fail, and a failure vetoes
//!    the transition: the connection stays `Disconnected`, nothing leaks, and the attempt is
//!    recorded as rejected.
//! 2. `enter_connected` hands the socket to the state's data once the transition is recorded.
//! 3. `exit_connected` closes the socket whenever the connection leaves `Connected`, whichever
//!    event takes it away.
//!
//! `send` is a self-loop: the connection stays where it is, so only its action runs.

use statewright::{Dynamic, StateInfo, TypedMachine, state_machine};

/// What the hooks of a connection share: the sockets that are open, and what happened.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Network {
    /// The sockets open now.
    pub open: Vec<u32>,
    /// The last socket number handed out.
    pub last: u32,
    /// Refuse the next connection (as a server that is down would).
    pub refuse_next: bool,
    /// What the hooks did, in order.
    pub log: Vec<String>,
}

/// A client connection.
#[state_machine(context = Network)]
#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    /// No socket is open.
    #[initial]
    #[on(connect -> Connected)]
    Disconnected,
    /// A socket is open; leaving this state closes it.
    #[enter]
    #[exit]
    #[on(send -> Connected, disconnect -> Disconnected)]
    Connected { socket: u32 },
}

impl connection::Hooks for Network {
    type Error = String;

    fn on_connect(&mut self, _: StateInfo, _: StateInfo) -> Result<(), String> {
        if std::mem::take(&mut self.refuse_next) {
            self.log.push("connect: refused".into());
            return Err("connection refused".into());
        }
        self.last += 1;
        self.open.push(self.last);
        self.log
            .push(format!("connect: opened socket {}", self.last));
        Ok(())
    }

    fn enter_connected(&mut self, socket: &mut u32) {
        *socket = self.last;
        self.log.push(format!("enter Connected on socket {socket}"));
    }

    fn on_send(&mut self, _: StateInfo, _: StateInfo) -> Result<(), String> {
        self.log.push("send".into());
        Ok(())
    }

    fn exit_connected(&mut self, socket: &u32) -> Result<(), String> {
        self.open.retain(|s| s != socket);
        self.log
            .push(format!("exit Connected: closed socket {socket}"));
        Ok(())
    }
}

fn main() {
    println!("== typed: the hooks open and close the socket");
    let c = connection::start(Network::default());
    // `connect` takes the `Connected` state's data; the entry hook fills in the socket.
    let c = c.connect(connection::Connected { socket: 0 }).unwrap();
    println!("connected on socket {}", c.socket);
    // A self-loop's target data comes from the caller too; `send_with` keeps the state's.
    let c = c.send_with(|connected| connected).unwrap();
    let c = c.disconnect().unwrap();
    println!("open sockets after disconnect: {:?}", c.context().open);

    println!("\n== a failing action vetoes the transition");
    let mut c = c;
    c.context_mut().refuse_next = true;
    let refused = c.connect(connection::Connected { socket: 0 }).unwrap_err();
    println!("refused: {refused}");
    let c = refused.into_machine();
    println!(
        "still {}; open sockets: {:?}",
        c.state_info().name(),
        c.context().open
    );
    let c = c.connect(connection::Connected { socket: 0 }).unwrap();

    println!("\n== dynamic: the same machine, its context carried along");
    let socket = c.socket;
    let mut d = Dynamic::from(c);
    for event in [
        connection::Event::Send { socket },
        connection::Event::Connect { socket: 0 },
        connection::Event::Disconnect,
    ] {
        match d.apply(event) {
            Ok(record) => println!("{record}"),
            Err(rejection) => println!("{rejection}"),
        }
    }
    println!("open sockets: {:?}", d.context().open);

    println!("\n== what the hooks did, in order");
    for line in &d.context().log {
        println!("  {line}");
    }
    println!("\n== the record");
    print!("{}", d.recorder());
}
