//! Unpaid orders expire: a timer task fires each placed order's timeout when it is due.
//!
//! The deadline of an order is the time it was placed (the wall-clock time of its record #1,
//! `New --place--> Pending`) plus [`Config::expire_after`](crate::Config::expire_after). The
//! timer learns deadlines two ways:
//!
//! - `POST /orders` schedules the order it placed;
//! - a sweep, at start and then every [`Config::sweep_every`](crate::Config::sweep_every),
//!   lists the orders in `Pending` in the database (`Journal::instances_in`, each verified)
//!   and schedules each at its deadline, from its record's time. So the deadlines survive a
//!   restart (one that passed while the service was down fires at once), and the orders that
//!   another replica placed, and cannot expire any more because it stopped, expire too.
//!
//! Firing is the internal event `timeout` through `Dynamic::apply_internal`, only when the
//! order is still `Pending` (read from the database), with the same reload-and-retry on
//! conflicts as any event; several replicas firing the same order record one `timeout`, the
//! others find it `Expired` and do nothing. A firing that fails (the database is down) is tried
//! again a second later.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use statewright::Timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::store::Store;

/// The handle that schedules orders on the timer task.
#[derive(Clone, Debug)]
pub struct Expiry {
    due: mpsc::UnboundedSender<(String, Instant)>,
}

impl Expiry {
    /// Starts the timer task: it sweeps the database at once, then every `sweep_every`.
    /// Abort the returned task to stop it (timeouts being fired then still complete).
    pub fn start(
        store: Arc<Store>,
        expire_after: Duration,
        sweep_every: Duration,
    ) -> (Expiry, JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let expiry = Expiry { due: tx };
        let task = tokio::spawn(run(store, expiry.clone(), rx, expire_after, sweep_every));
        (expiry, task)
    }

    /// Fires the order `id`'s timeout at `at` (if it is still `Pending` then).
    pub fn schedule(&self, id: String, at: Instant) {
        // The task is gone only when the service stops.
        let _ = self.due.send((id, at));
    }
}

/// When an order placed at `placed` (wall-clock) is due.
fn deadline(placed: Option<Timestamp>, expire_after: Duration) -> Instant {
    let now = Instant::now();
    let Some(placed) = placed else {
        return now + expire_after;
    };
    let elapsed = Timestamp::now()
        .map(|t| t.unix_nanos().saturating_sub(placed.unix_nanos()))
        .map_or(Duration::ZERO, Duration::from_nanos);
    now + expire_after.saturating_sub(elapsed)
}

async fn run(
    store: Arc<Store>,
    expiry: Expiry,
    mut rx: mpsc::UnboundedReceiver<(String, Instant)>,
    expire_after: Duration,
    sweep_every: Duration,
) {
    let mut due: BTreeSet<(Instant, String)> = BTreeSet::new();
    let mut scheduled: HashMap<String, Instant> = HashMap::new();
    // An order is scheduled once; a sweep finds the ones already scheduled again.
    let add = |due: &mut BTreeSet<(Instant, String)>,
               scheduled: &mut HashMap<String, Instant>,
               id: String,
               at: Instant| {
        if !scheduled.contains_key(&id) {
            scheduled.insert(id.clone(), at);
            due.insert((at, id));
        }
    };
    let mut sweep = tokio::time::interval(sweep_every.max(Duration::from_millis(10)));
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let next = due.first().map(|(at, _)| *at);
        tokio::select! {
            message = rx.recv() => match message {
                Some((id, at)) => add(&mut due, &mut scheduled, id, at),
                None => return,
            },
            _ = sweep.tick() => match store.pending().await {
                Ok(orders) => {
                    for (id, placed) in orders {
                        add(&mut due, &mut scheduled, id, deadline(placed, expire_after));
                    }
                }
                Err(e) => eprintln!("statewright-service: the sweep of pending orders failed: {e}"),
            },
            () = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                let now = Instant::now();
                while let Some((at, id)) = due.first().cloned() {
                    if at > now {
                        break;
                    }
                    due.pop_first();
                    scheduled.remove(&id);
                    let (store, expiry) = (Arc::clone(&store), expiry.clone());
                    tokio::spawn(async move {
                        match store.expire(&id).await {
                            Ok(_) => {}
                            Err(e) => {
                                eprintln!("statewright-service: order `{id}` did not expire: {e}");
                                expiry.schedule(id, Instant::now() + Duration::from_secs(1));
                            }
                        }
                    });
                }
            }
        }
    }
}
