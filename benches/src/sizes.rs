//! `size_of` of the examples' machines, typed and dynamic, against the hand-written equivalent.
//!
//! `Order` and `Light` are copies of the enums in examples/order.rs and
//! examples/traffic_light.rs (data included); TCP is the generated copy of tests/common/tcp.rs
//! (the same states and arcs; the example's extra derives do not change its size).

use core::mem::size_of;

use statewright::{Dynamic, Memory, Record, Ring, state_machine};

use crate::{HandRecord, tcp};

/// As in examples/order.rs.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    /// Created, waiting for payment.
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    /// Payment captured.
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid {
        /// Amount.
        amount_cents: u64,
    },
    /// Handed to the carrier.
    #[on(deliver -> Delivered)]
    Shipped {
        /// Tracking number.
        tracking: String,
    },
    /// Received by the customer.
    #[terminal]
    Delivered,
    /// Cancelled before shipping.
    #[terminal]
    Cancelled,
}

/// As in examples/traffic_light.rs.
#[state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    /// Red.
    #[initial]
    #[on(next -> RedAmber)]
    Red,
    /// Red and amber.
    #[on(next -> Green)]
    RedAmber,
    /// Green.
    #[on(next -> Amber, request -> Amber)]
    Green,
    /// Amber.
    #[on(next -> Red)]
    Amber,
}

/// (what, bytes) rows.
pub fn rows() -> Vec<(String, usize)> {
    use tcp::sw::{Tcp, tcp as t};
    let mut rows: Vec<(String, usize)> = vec![
        ("statewright::Record".into(), size_of::<Record>()),
        (
            "hand record (u64, u32, u32, u32)".into(),
            size_of::<HandRecord>(),
        ),
    ];
    rows.push(("Memory".into(), size_of::<Memory>()));
    rows.push(("Ring".into(), size_of::<Ring>()));
    let mut machine = |name: &str, en: usize, typed: &[(&str, usize)], dynm: usize, dynr: usize| {
        rows.push((format!("{name}: the enum (= hand-written state)"), en));
        for (s, n) in typed {
            rows.push((format!("{name}: typed Machine<{s}, Memory>"), *n));
        }
        rows.push((format!("{name}: Dynamic<{name}> (Memory)"), dynm));
        rows.push((format!("{name}: Dynamic<{name}, Ring>"), dynr));
        rows.push((
            format!("{name}: hand enum + sequence + Vec<record>"),
            en.next_multiple_of(8) + 8 + size_of::<Vec<HandRecord>>(),
        ));
    };
    machine(
        "Order",
        size_of::<Order>(),
        &[
            ("Pending", size_of::<order::Machine<order::Pending>>()),
            ("Paid", size_of::<order::Machine<order::Paid>>()),
            ("Shipped", size_of::<order::Machine<order::Shipped>>()),
        ],
        size_of::<Dynamic<Order>>(),
        size_of::<Dynamic<Order, Ring>>(),
    );
    machine(
        "Light",
        size_of::<Light>(),
        &[("Red", size_of::<light::Machine<light::Red>>())],
        size_of::<Dynamic<Light>>(),
        size_of::<Dynamic<Light, Ring>>(),
    );
    machine(
        "Tcp",
        size_of::<Tcp>(),
        &[("Closed", size_of::<t::Machine<t::Closed>>())],
        size_of::<Dynamic<Tcp>>(),
        size_of::<Dynamic<Tcp, Ring>>(),
    );
    rows
}

/// The rows as a table.
pub fn render() -> String {
    let mut out = String::from("| type | bytes |\n|---|---:|\n");
    for (what, n) in rows() {
        out += &format!("| {what} | {n} |\n");
    }
    out
}

/// The rows as JSON.
pub fn to_json() -> String {
    let rows: Vec<String> = rows()
        .iter()
        .map(|(w, n)| format!("[\"{w}\",{n}]"))
        .collect();
    format!("[{}]\n", rows.join(","))
}
