use statewright::state_machine;

// `internal(...)` names events of the machine: a typo, a name that is no event, and a name
// listed twice are each an error at the name.
#[state_machine(internal(reconcle, refresh, reconcile, reconcile))]
enum Mirror {
    #[initial]
    #[on(update -> Stale)]
    Fresh,
    #[on(reconcile -> Fresh)]
    Stale,
}

fn main() {}
