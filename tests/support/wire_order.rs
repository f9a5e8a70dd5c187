/// An order whose events have every shape the wire form knows.
#[state_machine(derive(serde::Serialize, serde::Deserialize), internal(reconcile))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Order {
    #[initial]
    #[timeout(15min -> Expired)]
    #[on(pay -> Paid | Declined, quote -> Quoted, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, refund -> Refunded?, reconcile -> Paid)]
    Paid { amount_cents: u64 },
    #[on(retry -> Pending?, cancel -> Cancelled)]
    Declined,
    #[on(hold -> Held, pay -> Paid | Declined)]
    Quoted(u64, String),
    #[on(release -> Pending)]
    Held(String),
    #[terminal]
    Shipped { tracking: String },
    #[terminal]
    Refunded { reason: String, partial: Option<u64> },
    #[terminal]
    Cancelled,
    #[terminal]
    Expired,
}
