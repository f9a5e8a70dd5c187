//! What the integration tests share: the TCP machine and a hand-written description of it.
//!
//! The tables below are written from RFC 793, Figure 6, independently of the machine's
//! `Definition`: the tests compare the two, and use the tables as the oracle for what the
//! machine must do.

pub mod tcp;

use self::tcp::{Tcp, tcp as machine};

/// The states, in declaration order.
pub const TCP_STATES: &[&str] = &[
    "Closed",
    "Listen",
    "SynSent",
    "SynReceived",
    "Established",
    "FinWait1",
    "FinWait2",
    "CloseWait",
    "Closing",
    "LastAck",
    "TimeWait",
];

/// The events, in order of first appearance in the `#[on(...)]` attributes.
pub const TCP_EVENTS: &[&str] = &[
    "passive_open",
    "active_open",
    "rcv_syn",
    "send",
    "close",
    "rcv_syn_ack",
    "rcv_ack_of_syn",
    "rcv_fin",
    "rcv_ack_of_fin",
    "timeout",
];

/// The arcs of Figure 6 as `(from, event, to)`, grouped by source state in declaration order.
pub const TCP_TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Closed", "passive_open", "Listen"),
    ("Closed", "active_open", "SynSent"),
    ("Listen", "rcv_syn", "SynReceived"),
    ("Listen", "send", "SynSent"),
    ("Listen", "close", "Closed"),
    ("SynSent", "rcv_syn", "SynReceived"),
    ("SynSent", "rcv_syn_ack", "Established"),
    ("SynSent", "close", "Closed"),
    ("SynReceived", "rcv_ack_of_syn", "Established"),
    ("SynReceived", "close", "FinWait1"),
    ("Established", "close", "FinWait1"),
    ("Established", "rcv_fin", "CloseWait"),
    ("FinWait1", "rcv_ack_of_fin", "FinWait2"),
    ("FinWait1", "rcv_fin", "Closing"),
    ("FinWait2", "rcv_fin", "TimeWait"),
    ("CloseWait", "close", "LastAck"),
    ("Closing", "rcv_ack_of_fin", "TimeWait"),
    ("LastAck", "rcv_ack_of_fin", "Closed"),
    ("TimeWait", "timeout", "Closed"),
];

/// The enum value of the state with this name.
pub fn tcp_state(name: &str) -> Tcp {
    match name {
        "Closed" => Tcp::Closed,
        "Listen" => Tcp::Listen,
        "SynSent" => Tcp::SynSent,
        "SynReceived" => Tcp::SynReceived,
        "Established" => Tcp::Established,
        "FinWait1" => Tcp::FinWait1,
        "FinWait2" => Tcp::FinWait2,
        "CloseWait" => Tcp::CloseWait,
        "Closing" => Tcp::Closing,
        "LastAck" => Tcp::LastAck,
        "TimeWait" => Tcp::TimeWait,
        _ => panic!("no TCP state is named `{name}`"),
    }
}

/// The event with this name, as data for the dynamic API.
pub fn tcp_event(name: &str) -> machine::Event {
    use machine::Event;
    match name {
        "passive_open" => Event::PassiveOpen,
        "active_open" => Event::ActiveOpen,
        "rcv_syn" => Event::RcvSyn,
        "send" => Event::Send,
        "close" => Event::Close,
        "rcv_syn_ack" => Event::RcvSynAck,
        "rcv_ack_of_syn" => Event::RcvAckOfSyn,
        "rcv_fin" => Event::RcvFin,
        "rcv_ack_of_fin" => Event::RcvAckOfFin,
        "timeout" => Event::Timeout,
        _ => panic!("no TCP event is named `{name}`"),
    }
}
