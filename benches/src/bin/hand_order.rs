//! Hand-written counterpart of examples/order.rs, for the binary-size comparison: the same
//! flows (typed chain, events parsed from messages and applied or refused, resume, replay) with
//! an enum, a `match` and a `Vec` of records, printing similar lines.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
enum Order {
    Pending,
    Paid { amount_cents: u64 },
    Shipped { tracking: String },
    Delivered,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Pay { amount_cents: u64 },
    Ship { tracking: String },
    Deliver,
    Cancel,
}

const STATES: [&str; 5] = ["Pending", "Paid", "Shipped", "Delivered", "Cancelled"];
const EVENTS: [&str; 4] = ["pay", "ship", "deliver", "cancel"];

impl Order {
    fn id(&self) -> usize {
        match self {
            Order::Pending => 0,
            Order::Paid { .. } => 1,
            Order::Shipped { .. } => 2,
            Order::Delivered => 3,
            Order::Cancelled => 4,
        }
    }
}

impl Event {
    fn id(&self) -> usize {
        match self {
            Event::Pay { .. } => 0,
            Event::Ship { .. } => 1,
            Event::Deliver => 2,
            Event::Cancel => 3,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    sequence: u64,
    from: usize,
    event: usize,
    to: usize,
    applied: bool,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.applied {
            write!(
                f,
                "#{} {} --{}--> {}",
                self.sequence, STATES[self.from], EVENTS[self.event], STATES[self.to]
            )
        } else {
            write!(
                f,
                "#{} {} --{}--x rejected",
                self.sequence, STATES[self.from], EVENTS[self.event]
            )
        }
    }
}

struct Machine {
    state: Order,
    records: Vec<Record>,
}

impl Machine {
    fn apply(&mut self, event: Event) -> Result<Record, Event> {
        let from = self.state.id();
        let event_id = event.id();
        let next = match (&self.state, event) {
            (Order::Pending, Event::Pay { amount_cents }) => Ok(Order::Paid { amount_cents }),
            (Order::Pending | Order::Paid { .. }, Event::Cancel) => Ok(Order::Cancelled),
            (Order::Paid { .. }, Event::Ship { tracking }) => Ok(Order::Shipped { tracking }),
            (Order::Shipped { .. }, Event::Deliver) => Ok(Order::Delivered),
            (_, event) => Err(event),
        };
        let record = Record {
            sequence: self.records.len() as u64 + 1,
            from,
            event: event_id,
            to: from,
            applied: next.is_ok(),
        };
        match next {
            Ok(state) => {
                let record = Record {
                    to: state.id(),
                    ..record
                };
                self.state = state;
                self.records.push(record);
                Ok(record)
            }
            Err(event) => {
                self.records.push(record);
                Err(event)
            }
        }
    }
}

fn parse(message: &str) -> Option<Event> {
    let (name, value) = message.split_once(' ').unwrap_or((message, ""));
    Some(match name {
        "pay" => Event::Pay {
            amount_cents: value.parse().ok()?,
        },
        "ship" => Event::Ship {
            tracking: value.to_owned(),
        },
        "deliver" => Event::Deliver,
        "cancel" => Event::Cancel,
        _ => return None,
    })
}

fn print_records(records: &[Record]) {
    for r in records {
        println!("{r}");
    }
}

fn main() {
    println!("== typed chain");
    let mut m = Machine {
        state: Order::Pending,
        records: Vec::new(),
    };
    m.apply(Event::Pay { amount_cents: 4200 }).unwrap();
    let tracking = match &m.state {
        Order::Paid { amount_cents } => format!("TRK-{amount_cents}"),
        _ => unreachable!(),
    };
    m.apply(Event::Ship { tracking }).unwrap();
    m.apply(Event::Deliver).unwrap();
    print_records(&m.records);

    println!("\n== dynamic: events arrive as data");
    let mut m = Machine {
        state: Order::Pending,
        records: Vec::new(),
    };
    for message in ["ship TRK-1", "pay 1999", "pay 1999", "cancel", "deliver"] {
        let Some(event) = parse(message) else {
            println!("{message:>12}: not an event");
            continue;
        };
        match m.apply(event) {
            Ok(record) => println!("{message:>12}: {record}"),
            Err(event) => println!(
                "{message:>12}: cannot apply {event:?} in {}",
                STATES[m.state.id()]
            ),
        }
    }
    println!("now {:?}; records:", m.state);
    print_records(&m.records);

    println!("\n== resume and replay");
    let history = m.records.clone();
    let mut state = 0;
    for r in &history {
        if r.from != state {
            println!("history does not replay");
            return;
        }
        state = r.to;
    }
    println!("{} records replay to {}", history.len(), STATES[state]);
}
