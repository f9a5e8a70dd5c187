//! An HTTP service for an order machine, on statewright's async SQL journals: the example to copy.
//!
//! `cargo run -p statewright-service` serves it on `127.0.0.1:3000` with an SQLite file under
//! the temporary directory; `DATABASE_URL=postgresql://...` puts the records in PostgreSQL,
//! where several processes can serve the same orders. The README's section "A service"
//! shows what to `curl`; [`api`] lists the routes and what each answers.
//!
//! - [`machine`]: the machine (an order with a deadline for payment);
//! - [`api`]: the routes, and the status code and body of each outcome;
//! - [`store`]: the one module that talks to the database;
//! - [`expiry`]: the timer that expires unpaid orders, across restarts.
//!
//! Tests start it in their own process with [`start`] on `127.0.0.1:0`, or run the binary.

#![warn(missing_docs)]

pub mod api;
pub mod expiry;
pub mod machine;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::store::{Database, Store, StoreError};

/// How to run the service.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on (port 0: any free port; [`Running::addr`] says which).
    pub listen: SocketAddr,
    /// Where the records are.
    pub database: Database,
    /// How long a placed order waits for payment before it expires: by default the
    /// definition's timeout on `Pending` (15 minutes, [`machine::Order::payment_deadline`]).
    /// The diagram keeps showing the definition's value; tests shorten it.
    pub expire_after: Duration,
    /// How often the timer lists the pending orders in the database (see [`expiry`]); also
    /// once at start.
    pub sweep_every: Duration,
    /// Database connections (journals) of this process.
    pub connections: usize,
}

impl Default for Config {
    /// `127.0.0.1:3000`, the default SQLite file, the definition's deadline, a sweep a minute,
    /// and 4 connections.
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database: Database::default_sqlite(),
            expire_after: machine::Order::payment_deadline(),
            sweep_every: Duration::from_secs(60),
            connections: 4,
        }
    }
}

/// Why the service did not start.
#[derive(Debug)]
pub enum StartError {
    /// The database could not be opened or migrated.
    Store(StoreError),
    /// The address could not be bound.
    Listen(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Store(e) => write!(f, "cannot open the database: {e}"),
            StartError::Listen(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running service.
pub struct Running {
    addr: SocketAddr,
    database: Database,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    timer: JoinHandle<()>,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where its records are.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Stops it: no new connections; requests in progress finish; the timer stops (timeouts
    /// not yet due fire after the next start, from the database).
    pub async fn stop(self) -> std::io::Result<()> {
        self.timer.abort();
        let _ = self.stop.send(());
        let result = self
            .server
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        let _ = self.timer.await;
        result
    }
}

/// Opens the database (running statewright's migrations), binds the address, and serves.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let store = Arc::new(
        Store::open(config.database.clone(), config.connections)
            .await
            .map_err(StartError::Store)?,
    );
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(StartError::Listen)?;
    let addr = listener.local_addr().map_err(StartError::Listen)?;
    let (expiry, timer) =
        expiry::Expiry::start(Arc::clone(&store), config.expire_after, config.sweep_every);
    let app = Arc::new(api::App {
        store,
        expiry,
        expire_after: config.expire_after,
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, api::router(app))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(Running {
        addr,
        database: config.database,
        stop,
        server,
        timer,
    })
}
