//! The TCP connection state machine of RFC 793, Figure 6, shared by `examples/tcp.rs`,
//! `tests/tcp.rs` and `tests/properties.rs`, so that the tests check the machine the example
//! runs.
//!
//! Every arc of the figure is one `#[on(event -> Target)]`, and nothing else is: the figure
//! leaves out the resets, retransmissions and the FIN+ACK shortcut from FIN-WAIT-1 to
//! TIME-WAIT that the RFC's text describes, and so does this machine. Events are named after
//! the figure's labels (the event or user call that fires the arc, not the action it takes):
//! `passive_open` for "passive OPEN", `rcv_syn_ack` for "rcv SYN,ACK", `timeout` for
//! "Timeout=2MSL", and so on. No state of the figure has the same label on two of its arcs, so
//! every label is one event. Data transfer happens inside ESTABLISHED and is not a transition.

use statewright::state_machine;

/// A TCP connection's state (RFC 793, section 3.2, Figure 6).
///
/// There is no terminal state: a connection that has closed is back in `Closed`, from which a
/// new one can be opened.
#[state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tcp {
    /// CLOSED: no connection state at all.
    #[initial]
    #[on(passive_open -> Listen, active_open -> SynSent)]
    Closed,
    /// LISTEN: waiting for a connection request from any remote TCP and port.
    #[on(rcv_syn -> SynReceived, send -> SynSent, close -> Closed)]
    Listen,
    /// SYN-SENT: waiting for a matching connection request after having sent a connection
    /// request.
    #[on(rcv_syn -> SynReceived, rcv_syn_ack -> Established, close -> Closed)]
    SynSent,
    /// SYN-RECEIVED: waiting for a confirming connection request acknowledgment after having
    /// both received and sent a connection request.
    #[on(rcv_ack_of_syn -> Established, close -> FinWait1)]
    SynReceived,
    /// ESTABLISHED: an open connection; data received can be delivered to the user. The normal
    /// state for the data transfer phase of the connection.
    #[on(close -> FinWait1, rcv_fin -> CloseWait)]
    Established,
    /// FIN-WAIT-1: waiting for a connection termination request from the remote TCP, or an
    /// acknowledgment of the connection termination request previously sent.
    #[on(rcv_ack_of_fin -> FinWait2, rcv_fin -> Closing)]
    FinWait1,
    /// FIN-WAIT-2: waiting for a connection termination request from the remote TCP.
    #[on(rcv_fin -> TimeWait)]
    FinWait2,
    /// CLOSE-WAIT: waiting for a connection termination request from the local user.
    #[on(close -> LastAck)]
    CloseWait,
    /// CLOSING: waiting for a connection termination request acknowledgment from the remote
    /// TCP.
    #[on(rcv_ack_of_fin -> TimeWait)]
    Closing,
    /// LAST-ACK: waiting for an acknowledgment of the connection termination request
    /// previously sent to the remote TCP (which includes an acknowledgment of its connection
    /// termination request).
    #[on(rcv_ack_of_fin -> Closed)]
    LastAck,
    /// TIME-WAIT: waiting for enough time to pass to be sure the remote TCP received the
    /// acknowledgment of its connection termination request (twice the maximum segment
    /// lifetime, 2MSL).
    #[on(timeout -> Closed)]
    TimeWait,
}
