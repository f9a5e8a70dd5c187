use statewright::{Record, Recorder};

struct Journal;

impl Recorder for Journal {
    type Error = std::fmt::Error;

    fn record(&mut self, _: &Record) -> Result<(), std::fmt::Error> {
        Ok(())
    }
}

fn main() {}
