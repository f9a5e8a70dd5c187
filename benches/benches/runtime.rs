//! `cargo bench -p statewright-benches`: the runtime tables, once (one process; for the spread
//! over several processes and pinned code alignment use `python3 benches/run.py`).

fn main() {
    let args = std::env::args().skip(1).filter(|a| a != "--bench");
    if let Err(e) = statewright_benches::main_with_args(args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
