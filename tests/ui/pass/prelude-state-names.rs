// States named like prelude types, with fields of those prelude types: inside the generated
// module the state types shadow the prelude's names, so the fields must still mean the prelude's
// `Option`, `Result`, `Box`, `Vec` and `String`.
use statewright::state_machine;

use statewright::TypedMachine;

pub mod api {
    use super::*;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Prelude {
        #[initial]
        #[on(a -> Result)]
        Option { x: Option<String> },
        #[on(b -> Box)]
        Result(Result<u8, String>),
        #[on(c -> Vec)]
        Box(Box<Option<Self>>),
        #[on(d -> String)]
        Vec(Vec<String>),
        #[terminal]
        String(String),
    }
}

use api::prelude;

fn main() {
    let m = prelude::start(prelude::Option {
        x: Some("x".to_owned()),
    });
    assert_eq!(m.state().x.as_deref(), Some("x"));
    let m = m.a(prelude::Result(Ok(1)));
    let m = m.b(prelude::Box(Box::new(None)));
    let m = m.c(prelude::Vec(vec![String::from("v")]));
    let m = m.d(prelude::String(String::from("s")));
    assert_eq!(m.state().0, "s");
    let d = prelude::Dynamic::from(m);
    assert_eq!(d.state(), &api::Prelude::String(String::from("s")));
}
