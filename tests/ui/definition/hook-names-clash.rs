use statewright::state_machine;

#[state_machine]
#[allow(non_camel_case_types)]
enum Link {
    #[initial]
    #[on(up -> HttpReady, down -> HTTPReady)]
    Idle,
    #[enter]
    #[on(down -> Idle)]
    HttpReady,
    #[enter]
    #[on(up -> Idle)]
    HTTPReady,
}

impl link::Hooks for () {
    type Error = core::convert::Infallible;

    fn enter_http_ready(&mut self) {}
}

fn main() {}
