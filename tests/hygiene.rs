//! The generated code compiles in a module that shadows the prelude and the names it might
//! reach for, under `#![deny(warnings, missing_docs)]`.
#![deny(warnings, missing_docs)]
#![allow(non_camel_case_types, non_upper_case_globals, dead_code, clippy::all)] // the shadowing items below

/// Shadows everything a careless expansion would name without a path.
pub mod shadowed {
    /// Not `core::result::Result`.
    pub struct Result;
    /// Not `Result::Ok`.
    pub struct Ok;
    /// Not `Result::Err`.
    pub struct Err;
    /// Not `core::option::Option`.
    pub struct Option;
    /// Not `Option::Some`.
    pub struct Some;
    /// Not `Option::None`.
    pub struct None;
    /// Not `alloc::vec::Vec`.
    pub struct Vec;
    /// Not `alloc::string::String`.
    pub struct String;
    /// Not `alloc::boxed::Box`.
    pub struct Box;
    /// Not `core::primitive::u64`.
    pub struct u64;
    /// Not `core::convert::From`.
    pub trait From {}
    /// Not `core::fmt::Debug`.
    pub trait Debug {}
    /// Not the statewright crate.
    pub mod statewright {}
    /// Not the core crate.
    pub mod core {}
    /// A constant named like the generated functions' parameters.
    pub const data: u8 = 0;

    /// A machine whose state data uses the shadowing types.
    #[::statewright::state_machine]
    #[derive(::core::fmt::Debug)]
    pub enum Session {
        /// Waiting.
        #[initial]
        #[on(open -> Open, fail -> Failed)]
        Idle,
        /// Open.
        #[on(send -> Open, close -> Idle, fail -> Failed)]
        Open {
            /// How many messages were sent.
            sent: ::core::primitive::u32,
        },
        /// Failed, with a reason.
        #[on(reset -> Idle)]
        Failed(&'static ::core::primitive::str),
    }
}

/// The same shadowing around a hierarchical machine with composite hooks.
pub mod shadowed_nested {
    pub use super::shadowed::{
        Box, Debug, Err, From, None, Ok, Option, Result, Some, String, Vec, core, data,
        statewright, u64,
    };

    /// The hooks' context.
    pub struct Log;

    /// A nested machine.
    #[::statewright::state_machine(hooks, context = Log)]
    #[composite(Up, initial, enter, exit, on(down -> Down), timeout(1s -> Down))]
    #[composite(Busy, parent = Up, on(idle -> Ready))]
    #[derive(::core::fmt::Debug)]
    pub enum Link {
        /// Ready.
        #[initial]
        #[parent(Up)]
        #[on(work -> Busy)]
        Ready,
        /// Working.
        #[initial]
        #[parent(Busy)]
        #[on(more -> Working)]
        Working,
        /// Down.
        #[on(up -> Up)]
        Down,
    }

    impl link::Hooks for Log {
        type Error = ::core::convert::Infallible;

        fn enter_up(&mut self) {}

        fn exit_up(&mut self) -> ::core::result::Result<(), ::core::convert::Infallible> {
            ::core::result::Result::Ok(())
        }
    }
}

#[test]
fn nested_machines_ignore_shadowed_names() {
    use shadowed_nested::{Log, link};
    let m = link::start(Log).work().more().idle().down().up();
    ::core::assert_eq!(m.sequence(), 5);
}

/// The same shadowing but for `u64`, which serde's own derive (on the state types) names.
#[cfg(feature = "serde")]
pub mod shadowed_wire {
    pub use super::shadowed::{
        Box, Debug, Err, From, None, Ok, Option, Result, Some, String, Vec, core, data, statewright,
    };

    /// A machine whose events have every shape the wire form knows, with serde.
    #[::statewright::state_machine(
        derive(::serde::Serialize, ::serde::Deserialize),
        internal(reconcile)
    )]
    #[derive(::core::fmt::Debug, ::core::cmp::PartialEq)]
    pub enum Wire {
        /// Waiting.
        #[initial]
        #[timeout(1s -> Done)]
        #[on(pay -> Paid | Done, hold -> Held, quote -> Quoted)]
        Idle,
        /// Paid.
        #[on(refund -> Done?, reconcile -> Paid)]
        Paid {
            /// How much.
            amount: ::core::primitive::u32,
        },
        /// Held.
        #[on(release -> Idle?)]
        Held(::core::primitive::u8),
        /// Quoted.
        #[on(accept -> Done)]
        Quoted(::core::primitive::u8, ::core::primitive::bool),
        /// Done.
        #[terminal]
        Done,
    }
}

#[cfg(feature = "serde")]
#[test]
fn the_wire_form_ignores_shadowed_names() {
    use shadowed_wire::wire;
    let event = wire::Event::Pay(wire::Paid { amount: 3 }.into());
    let json = ::serde_json::to_string(&event).unwrap();
    ::core::assert_eq!(json, r#"{"type":"pay","to":"Paid","amount":3}"#);
    ::core::assert_eq!(::serde_json::from_str::<wire::Event>(&json).unwrap(), event);
    ::core::assert_eq!(
        wire::Event::from_name("accept"),
        ::core::result::Result::Ok(wire::Event::Accept)
    );
}

use ::statewright::TypedMachine;
use shadowed::{Session, session};

#[test]
fn generated_code_ignores_shadowed_names() {
    let m = session::start()
        .open(session::Open { sent: 0 })
        .send_with(|o| session::Open { sent: o.sent + 1 })
        .fail(session::Failed("timeout"))
        .reset();
    ::core::assert_eq!(m.sequence(), 4);
    let mut d = ::statewright::Dynamic::<Session>::from(m);
    ::core::assert!(d.apply(session::Event::Send { sent: 1 }).is_err());
    ::core::assert!(::core::matches!(d.state(), Session::Idle));
}
