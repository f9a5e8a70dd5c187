//! The `#[state_machine]` attribute of [statewright](https://docs.rs/statewright).
//!
//! Use it through the `statewright` crate, which re-exports it together with the runtime the
//! generated code calls. This crate's own API is the attribute alone.
//!
//! The macro is a pipeline, one stage per module: `parse` (syntax) -> `model` (names resolved)
//! -> `validate` (the definition rules) -> `codegen` (one file per generated artifact), with
//! `fallback` for definitions that have mistakes and `expand` running the stages.

mod codegen;
mod diagram;
mod errors;
mod expand;
mod fallback;
mod hierarchy;
mod model;
mod names;
mod parse;
mod validate;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Turns an enum into a state machine the compiler checks. See the `statewright` crate for the
/// guide; this is the reference.
///
/// ```
/// use statewright::state_machine;
///
/// #[state_machine]
/// enum Order {
///     #[initial]
///     #[on(pay -> Paid, cancel -> Cancelled)]
///     Pending,
///     #[on(ship -> Shipped, cancel -> Cancelled)]
///     Paid { amount_cents: u64 },
///     #[on(deliver -> Delivered)]
///     Shipped { tracking: String },
///     #[terminal]
///     Delivered,
///     #[terminal]
///     Cancelled,
/// }
///
/// # fn main() {
/// let order = order::start()
///     .pay(order::Paid { amount_cents: 4200 })
///     .ship(order::Shipped { tracking: "1Z999".into() })
///     .deliver();
/// # let _ = order;
/// # }
/// ```
///
/// # On the variants
///
/// - `#[initial]`: the state the machine starts in; exactly one.
/// - `#[terminal]`: a state the machine ends in; it has no transitions.
/// - `#[on(event -> Target, ...)]`: transitions that leave this state. `event` is a snake_case
///   name (a keyword only as a raw identifier, `r#loop`, named `loop`), not the name of a method
///   users call on a machine (`state`, `sequence`, `into`, `clone`, ...); `Target` is a variant of the same enum (the variant itself for a self-loop). A
///   variant may carry several `#[on]`, and the same event may leave several states. An event
///   whose target carries data always leads to that one state.
///
/// Every other state must be reachable from the initial state, and every state that is not
/// terminal must have a way out. Mistakes are compile errors at the offending token, all
/// reported in one build; the reachability check waits for the next one only when the graph
/// is unknown (an attribute that does not parse, no or several initial states, a reachable
/// transition to an unknown state, a state declared twice).
///
/// # Options
///
/// `#[state_machine(crate = ::path::to::statewright, module = name, derive(Trait, ...), context = Type, hooks, timeouts = required, internal(event, ...), async)]`:
///
/// - `crate`: where the `statewright` crate is, for crates that re-export it;
/// - `module`: the name of the generated module (the enum's name in snake_case by default);
/// - `derive`: extra derives for the generated state types and event enum (for example
///   `serde::Serialize, serde::Deserialize`); the fields' attributes are copied along. The
///   enum's own `Debug`, `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash`, `PartialOrd` and `Ord`
///   derives are always mirrored. `Serialize` and `Deserialize` (any path ending in those
///   names) are derived by the state types only: the event enum gets generated impls of its
///   wire form (`{"type": "pay", "amount_cents": 100}`, see the `statewright` README), and its
///   fields lose their `#[serde]` attributes;
/// - `context`: the shared context's type; `hooks`: generate the `Hooks` trait even without
///   `#[enter]`/`#[exit]`; `timeouts = required`: every state that is not terminal has a
///   timeout or says why not;
/// - `internal`: events the machine raises itself (a timeout's event always is): refused by
///   `Dynamic::apply` and by deserialization, applied by `Dynamic::apply_internal`;
/// - `async`: the typed transitions also exist, awaited, for a machine whose recorder is an
///   `Awaited` async recorder (`order.pay().await`, on `order::Machine<S, Awaited<A>,
///   Awaiting>`: the third type parameter, `Blocking` by default, tells the two modes apart),
///   and the exit hooks and transition actions of the `Hooks` trait are `async fn`s. A machine
///   with `async` hooks has no synchronous transitions. See `statewright::awaited`.
///
/// # What it generates
///
/// Next to `enum Order`, a module `order` with the same visibility:
///
/// - one struct per state (`order::Paid { pub amount_cents: u64 }`);
/// - `order::Event`: one variant per event, carrying its target's data;
/// - `order::Machine<S, R = Memory>`: the typed machine; `order::start()` and
///   `order::start_with(recorder)` create it in the initial state; one method per event,
///   available only in the states that allow it (`pay(data)`, and `pay_with(|pending| ...)`
///   when the target carries data);
/// - `order::Typed<R>`: a typed machine in any state, one variant per state, converted from and
///   to the dynamic machine `order::Dynamic<R>` (= `statewright::Dynamic<Order, R>`);
/// - `order::DEFINITION`, and `StateMachine` for `Order`.
#[proc_macro_attribute]
pub fn state_machine(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::expand(args.into(), input.into()).into()
}

/// The "State machine" section of an annotated enum's docs (an SVG image and a transition
/// table), expanded only under rustdoc. Written by `#[state_machine]`; not an API.
#[doc(hidden)]
#[proc_macro]
pub fn __diagram_doc(input: TokenStream) -> TokenStream {
    diagram::expand(input.into()).into()
}
