//! Hand-written counterpart of examples/tcp.rs, for the binary-size comparison: the RFC 793
//! machine as an enum and a `match`, a client walk and a server script with records.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tcp {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // `Send` is in the figure; the example's scripts do not send it either
enum Event {
    PassiveOpen,
    ActiveOpen,
    RcvSyn,
    Send,
    Close,
    RcvSynAck,
    RcvAckOfSyn,
    RcvFin,
    RcvAckOfFin,
    Timeout,
}

fn next(s: Tcp, e: Event) -> Option<Tcp> {
    use {Event as E, Tcp as T};
    Some(match (s, e) {
        (T::Closed, E::PassiveOpen) => T::Listen,
        (T::Closed, E::ActiveOpen) => T::SynSent,
        (T::Listen, E::RcvSyn) => T::SynReceived,
        (T::Listen, E::Send) => T::SynSent,
        (T::Listen, E::Close) => T::Closed,
        (T::SynSent, E::RcvSyn) => T::SynReceived,
        (T::SynSent, E::RcvSynAck) => T::Established,
        (T::SynSent, E::Close) => T::Closed,
        (T::SynReceived, E::RcvAckOfSyn) => T::Established,
        (T::SynReceived, E::Close) => T::FinWait1,
        (T::Established, E::Close) => T::FinWait1,
        (T::Established, E::RcvFin) => T::CloseWait,
        (T::FinWait1, E::RcvAckOfFin) => T::FinWait2,
        (T::FinWait1, E::RcvFin) => T::Closing,
        (T::FinWait2, E::RcvFin) => T::TimeWait,
        (T::CloseWait, E::Close) => T::LastAck,
        (T::Closing, E::RcvAckOfFin) => T::TimeWait,
        (T::LastAck, E::RcvAckOfFin) => T::Closed,
        (T::TimeWait, E::Timeout) => T::Closed,
        _ => return None,
    })
}

fn main() {
    println!("Client:");
    let mut s = Tcp::Closed;
    let mut sequence = 0;
    for e in [
        Event::ActiveOpen,
        Event::RcvSynAck,
        Event::Close,
        Event::RcvAckOfFin,
        Event::RcvFin,
        Event::Timeout,
    ] {
        let to = next(s, e).expect("a legal path");
        sequence += 1;
        println!("  #{sequence} {s:?} --{e:?}--> {to:?}");
        s = to;
    }
    println!("Server:");
    let mut s = Tcp::Closed;
    let mut records = Vec::new();
    for e in [
        Event::PassiveOpen,
        Event::RcvSyn,
        Event::RcvAckOfSyn,
        Event::RcvSynAck,
        Event::RcvFin,
        Event::Timeout,
        Event::Close,
        Event::RcvAckOfFin,
    ] {
        match next(s, e) {
            Some(to) => {
                records.push((records.len() + 1, s, e, Some(to)));
                println!("    applied   {s:?} --{e:?}--> {to:?}");
                s = to;
            }
            None => {
                records.push((records.len() + 1, s, e, None));
                println!("    rejected  {e:?} in {s:?}");
            }
        }
    }
    println!("Server record ({} attempts):", records.len());
    for (n, s, e, to) in records {
        match to {
            Some(to) => println!("#{n} {s:?} --{e:?}--> {to:?}"),
            None => println!("#{n} {s:?} --{e:?}--x rejected"),
        }
    }
}
