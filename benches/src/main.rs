//! The runtime benchmark binary: `statewright-benches [--events N] [--rounds N]
//! [--only order,tcp,complex,hier,order-typed,tcp-typed] [--json] [--sizes]`. See BENCHMARKS.md;
//! `python3 benches/run.py` runs it several times and aggregates.

fn main() {
    if let Err(e) = statewright_benches::main_with_args(std::env::args().skip(1)) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
