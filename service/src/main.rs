//! `cargo run -p statewright-service [-- --listen ADDR] [--expire-after DURATION]
//! [--sweep-every DURATION] [--connections N]`, with `DATABASE_URL` naming PostgreSQL or an
//! SQLite file (default: an SQLite file under the temporary directory). Prints the URL it
//! listens on, then serves until Ctrl-C or SIGTERM.

use std::process::ExitCode;
use std::time::Duration;

use statewright_service::{Config, Database, start};

const USAGE: &str = "usage: statewright-service [--listen ADDR] [--expire-after DURATION] \
    [--sweep-every DURATION] [--connections N]
  --listen ADDR            address to listen on (default 127.0.0.1:3000; port 0 for any)
  --expire-after DURATION  how long a placed order waits for payment (default 15min, the
                           machine's timeout); units ms, s, min, h
  --sweep-every DURATION   how often pending orders are listed from the database (default 60s)
  --connections N          database connections (default 4)
  DATABASE_URL             postgresql://... for PostgreSQL, sqlite:PATH or a path for SQLite;
                           unset: an SQLite file under the temporary directory";

/// `300ms`, `2s`, `15min`, `1h`.
fn duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    Some(match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "min" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    })
}

fn config() -> Result<Config, String> {
    let mut config = Config {
        database: Database::from_url(std::env::var("DATABASE_URL").ok().as_deref()),
        ..Config::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                config.listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--expire-after" => {
                let v = value("--expire-after")?;
                config.expire_after =
                    duration(&v).ok_or(format!("--expire-after {v}: not a duration"))?;
            }
            "--sweep-every" => {
                let v = value("--sweep-every")?;
                config.sweep_every =
                    duration(&v).ok_or(format!("--sweep-every {v}: not a duration"))?;
            }
            "--connections" => {
                let v = value("--connections")?;
                config.connections = v.parse().map_err(|e| format!("--connections {v}: {e}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match config() {
        Ok(config) => config,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let running = match start(config).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is the URL (tests read it). Whoever reads it may close the pipe after
    // that line: the service goes on serving.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", running.url());
        let _ = writeln!(out, "database: {}", running.database());
        let _ = out.flush();
    }
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match terminate.as_mut() {
                Some(signal) => { signal.recv().await; }
                None => std::future::pending().await,
            }
        } => {}
    }
    match running.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
