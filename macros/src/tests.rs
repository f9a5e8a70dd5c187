//! Tests of the pipeline without a compiler in the loop: expansion snapshots and robustness.
//!
//! Snapshots are the pretty-printed expansion of representative inputs, compared with the files
//! in `macros/snapshots/`. After a deliberate change to the generated code, refresh them with
//! `UPDATE_EXPECT=1 cargo test -p statewright-macros` and review the diff.

mod conformance;
mod scxml;

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::expand;

/// The expansion of `#[state_machine(args)] input`, pretty-printed.
fn expanded(args: TokenStream, input: TokenStream) -> String {
    let output = expand(args, input);
    let file = syn::parse2::<syn::File>(output.clone())
        .unwrap_or_else(|e| panic!("the expansion is not valid Rust: {e}\n{output}"));
    prettyplease::unparse(&file)
}

#[test]
fn expands_order() {
    let out = expanded(
        quote!(),
        quote! {
            /// The lifecycle of a customer order.
            #[derive(Debug, Clone, PartialEq)]
            pub enum Order {
                /// Created, waiting for payment.
                #[initial]
                #[on(pay -> Paid, cancel -> Cancelled)]
                Pending,
                /// Payment captured.
                #[on(ship -> Shipped, cancel -> Cancelled)]
                Paid { amount_cents: u64 },
                #[on(deliver -> Delivered)]
                Shipped(String),
                #[terminal]
                Delivered,
                #[terminal]
                Cancelled,
            }
        },
    );
    expect_test::expect_file!["../snapshots/order.rs"].assert_eq(&out);
}

#[test]
fn expands_an_async_machine_with_async_hooks() {
    // Typed transitions for awaited recorders only (the hooks are `async`), the mode
    // parameter, and the hooks awaited.
    let out = expanded(
        quote!(async, context = Desk),
        quote! {
            #[derive(Debug)]
            enum Ticket {
                #[initial]
                #[exit]
                #[on(take -> Taken | Open, skip -> Open?)]
                Open,
                #[enter]
                #[on(close -> Closed)]
                Taken { by: u32 },
                #[terminal]
                Closed,
            }
        },
    );
    expect_test::expect_file!["../snapshots/ticket-async.rs"].assert_eq(&out);
}

#[test]
fn expands_a_hierarchical_machine() {
    // Inherited transitions in each state's table and `CanE` impls, the composites' tables in
    // the definition, the composite traits, and composite hooks dispatched by index.
    let out = expanded(
        quote!(hooks),
        quote! {
            #[composite(Active, initial, exit, on(cancel -> Cancelled))]
            #[composite(Fulfilment, parent = Active, enter, on(hold -> OnHold))]
            #[derive(Debug)]
            enum Order {
                #[initial]
                #[parent(Active)]
                #[on(pay -> Paid)]
                Pending,
                #[initial]
                #[parent(Fulfilment)]
                #[on(ship -> Shipped, cancel -> Pending)]
                Paid,
                #[parent(Active)]
                #[on(release -> Fulfilment)]
                OnHold,
                #[terminal]
                Shipped,
                #[terminal]
                Cancelled,
            }
        },
    );
    expect_test::expect_file!["../snapshots/order-nested.rs"].assert_eq(&out);
}

#[test]
fn expands_an_event_with_several_targets_and_options() {
    let out = expanded(
        quote!(
            crate = ::my::reexport,
            module = jobs,
            derive(serde::Serialize)
        ),
        quote! {
            enum Job {
                #[initial]
                #[on(run -> Running)]
                Queued,
                #[on(fail -> Failed, finish -> Done)]
                Running,
                #[on(reset -> Queued)]
                Failed,
                #[on(reset -> Running)]
                Done,
            }
        },
    );
    expect_test::expect_file!["../snapshots/job.rs"].assert_eq(&out);
}

#[test]
fn expands_a_context_choices_a_guard_and_hooks() {
    let out = expanded(
        quote!(context = Ledger),
        quote! {
            #[derive(Debug, Clone, PartialEq)]
            pub enum Payment {
                #[initial]
                #[exit]
                #[on(authorize -> Authorized | Failed, abandon -> Abandoned?)]
                New,
                #[enter]
                #[on(capture -> Captured)]
                Authorized,
                #[terminal]
                Captured,
                #[enter]
                #[on(retry -> New)]
                Failed { code: u16 },
                #[terminal]
                Abandoned,
            }
        },
    );
    expect_test::expect_file!["../snapshots/payment.rs"].assert_eq(&out);
}

#[test]
fn expands_a_definition_with_mistakes_into_errors_and_the_repaired_api() {
    let out = expanded(
        quote!(),
        quote! {
            pub(crate) enum Door {
                #[on(open -> Opne)]
                Closed,
                #[on(close -> Closed, close -> Open)]
                Open,
            }
        },
    );
    expect_test::expect_file!["../snapshots/door-with-mistakes.rs"].assert_eq(&out);
}

/// Every error the expansion reports, as text.
fn errors(args: TokenStream, input: TokenStream) -> Vec<String> {
    let output = expand(args, input).to_string();
    output
        .split("compile_error !")
        .skip(1)
        .map(|s| {
            let start = s.find('"').map_or(0, |i| i + 1);
            let end = s[start..].find("\" }").map_or(s.len(), |i| start + i);
            s[start..end].to_owned()
        })
        .collect()
}

#[test]
fn reports_every_mistake_in_one_expansion() {
    let errors = errors(
        quote!(modul = x),
        quote! {
            enum Order {
                #[on(pay -> Payed)]
                Pending,
                #[on(Ship -> Shipped)]
                Paid,
                #[terminal]
                #[on(refund -> Paid)]
                Shipped,
            }
        },
    );
    let expected = [
        "unknown option `modul`; did you mean `module`?",
        "`Order` has no initial state; put `#[initial]` on the state it starts in",
        "unknown state `Payed`; did you mean `Paid`?",
        "`Shipped` is `#[terminal]`, so it has no way out; remove this `#[on(...)]` or the `#[terminal]`",
        "event names are snake_case because they name methods: write `ship` instead of `Ship`",
    ];
    assert_eq!(errors, expected);
}

#[test]
fn graph_checks_wait_for_a_complete_graph() {
    // The typo makes `Shipped` look unreachable; only the typo is reported.
    let errors = errors(
        quote!(),
        quote! {
            enum Order {
                #[initial]
                #[on(ship -> Shiped)]
                Paid,
                #[terminal]
                Shipped,
            }
        },
    );
    assert_eq!(errors, ["unknown state `Shiped`; did you mean `Shipped`?"]);
}

#[test]
fn an_unreachable_state_of_a_hierarchical_machine_is_reported() {
    // Each composite has its own initial state: `Pending` and `Paid` are both marked.
    let errors = errors(
        quote!(),
        quote! {
            #[composite(Active, initial, on(cancel -> Cancelled))]
            #[composite(Fulfilment, parent = Active)]
            enum Order {
                #[initial]
                #[parent(Active)]
                #[on(pay -> Fulfilment)]
                Pending,
                #[initial]
                #[parent(Fulfilment)]
                #[on(ship -> Shipped)]
                Paid,
                #[parent(Fulfilment)]
                #[on(ship -> Shipped)]
                Packed,
                #[terminal]
                Shipped,
                #[terminal]
                Cancelled,
            }
        },
    );
    assert_eq!(
        errors,
        [
            "`Packed` is unreachable: no path leads to it from the initial state `Pending`; add a transition to it, or remove it"
        ]
    );
}

#[test]
fn a_state_reached_only_through_an_overridden_composite_transition_is_unreachable() {
    // `Active`'s `next -> Second` is inherited by `Second` only: `First` handles `next`
    // itself, so nothing leads to `Second`.
    let errors = errors(
        quote!(),
        quote! {
            #[composite(Active, initial, on(next -> Second))]
            enum Steps {
                #[initial]
                #[parent(Active)]
                #[on(next -> Active)]
                First,
                #[parent(Active)]
                Second,
            }
        },
    );
    assert_eq!(
        errors,
        [
            "`Second` is unreachable: no path leads to it from the initial state `First`; add a transition to it, or remove it"
        ]
    );
}

#[test]
fn a_timeout_into_a_state_with_data_is_one_error() {
    // Both timeouts use the event `timeout`; only the timeout into data is the mistake.
    let errors = errors(
        quote!(),
        quote! {
            enum Build {
                #[initial]
                #[timeout(20min -> BuildFailed)]
                #[on(start -> Running)]
                Queued,
                #[timeout(1h -> TimedOut)]
                #[on(finish -> Done)]
                Running,
                #[terminal]
                Done,
                #[terminal]
                TimedOut,
                #[terminal]
                BuildFailed { log: String },
            }
        },
    );
    assert_eq!(
        errors,
        [
            "a timeout fires without data, so it cannot lead to `BuildFailed`, which carries data; lead it to a state without fields"
        ]
    );
}

#[test]
fn a_nondeterministic_transition_to_a_state_with_data_is_one_error() {
    let errors = errors(
        quote!(),
        quote! {
            enum Order {
                #[initial]
                #[on(pay -> Paid, pay -> Declined)]
                Pending,
                #[terminal]
                Paid { amount: u64 },
                #[terminal]
                Declined,
            }
        },
    );
    assert_eq!(
        errors,
        [
            "nondeterministic transition: `pay` already leads from `Pending` to `Paid`; an event leads from a state to one target"
        ]
    );
}

#[test]
fn an_event_into_data_and_elsewhere_from_two_states_is_still_reported() {
    let errors = errors(
        quote!(),
        quote! {
            enum Order {
                #[initial]
                #[on(pay -> Paid, skip -> Other)]
                Pending,
                #[on(pay -> Declined)]
                Other,
                #[terminal]
                Paid { amount: u64 },
                #[terminal]
                Declined,
            }
        },
    );
    assert_eq!(
        errors,
        [
            "`pay` cannot lead to both `Paid`, which carries data, and `Declined`: an event carries its target's data, so it leads to that one state; use one event per target"
        ]
    );
}

#[test]
fn an_enum_without_a_usable_module_name_is_reported() {
    let machine = |name: &str| {
        let ident = proc_macro2::Ident::new(name, proc_macro2::Span::call_site());
        quote! {
            enum #ident {
                #[initial]
                #[on(go -> B)]
                A,
                #[terminal]
                B,
            }
        }
    };
    assert_eq!(
        errors(quote!(), machine("__")),
        [
            "`__` leaves no name for the generated module; choose a name with `#[state_machine(module = machine)]`"
        ]
    );
    assert_eq!(
        errors(quote!(), machine("Match")),
        [
            "the generated module would be named `match`, which cannot name a module; choose a name with `#[state_machine(module = match_machine)]`"
        ]
    );
    assert!(errors(quote!(module = fine), machine("__")).is_empty());
}

#[test]
fn a_valid_definition_has_no_errors() {
    let errors = errors(
        quote!(),
        quote! {
            enum Light {
                #[initial]
                #[on(next -> Green)]
                Red,
                #[on(next -> Red)]
                Green,
            }
        },
    );
    assert!(errors.is_empty(), "{errors:?}");
}

mod robustness {
    //! The macro never panics on user input: whatever tokens it is given, it returns tokens.

    use proc_macro2::{
        Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree,
    };
    use proptest::prelude::*;
    use quote::quote;

    use crate::expand::expand;

    /// Tokens drawn from the vocabulary of the macro's input, so that random streams often get
    /// deep into parsing.
    fn token() -> impl Strategy<Value = TokenTree> {
        let leaf = prop_oneof![
            prop::sample::select(vec![
                "enum",
                "Order",
                "Paid",
                "Pending",
                "pay",
                "on",
                "initial",
                "terminal",
                "crate",
                "module",
                "derive",
                "type",
                "r#type",
                "S",
                "R",
                "Machine",
                "Event",
                "pub",
                "struct",
                "u64",
                "cfg",
                "doc",
                "Self",
                "super",
                "self",
                "pay_with",
                "Pay2",
                "_",
                "__",
                "_9",
                "e_",
                "\u{e9}t\u{e9}",
                "Match",
                "Type",
                "internal",
                "Serialize",
                "Deserialize",
                "to",
                "timeout",
                "composite",
                "parent",
                "Active",
                "enter",
                "exit",
            ])
            .prop_map(|s| {
                if let Some(raw) = s.strip_prefix("r#") {
                    TokenTree::Ident(Ident::new_raw(raw, Span::call_site()))
                } else {
                    TokenTree::Ident(Ident::new(s, Span::call_site()))
                }
            }),
            prop::sample::select(vec!['#', '-', '>', '=', ',', ':', '|', '<', '!', ';', '.'])
                .prop_flat_map(|c| {
                    prop::bool::ANY.prop_map(move |joint| {
                        let spacing = if joint {
                            Spacing::Joint
                        } else {
                            Spacing::Alone
                        };
                        TokenTree::Punct(Punct::new(c, spacing))
                    })
                }),
            prop::sample::select(vec!["3", "\"x\"", "1.5"]).prop_map(|s| {
                TokenTree::Literal(s.parse::<Literal>().unwrap_or(Literal::u8_suffixed(0)))
            }),
        ];
        leaf.prop_recursive(3, 48, 8, |inner| {
            (
                prop::sample::select(vec![
                    Delimiter::Parenthesis,
                    Delimiter::Bracket,
                    Delimiter::Brace,
                ]),
                prop::collection::vec(inner, 0..8),
            )
                .prop_map(|(d, tts)| TokenTree::Group(Group::new(d, tts.into_iter().collect())))
        })
    }

    fn stream() -> impl Strategy<Value = TokenStream> {
        prop::collection::vec(token(), 0..24).prop_map(|tts| tts.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn random_input_never_panics(args in stream(), input in stream()) {
            let _ = expand(args, input);
        }

        #[test]
        fn random_variants_never_panic(args in stream(), body in stream(), attrs in stream()) {
            // Random content inside an otherwise well-formed enum and attribute.
            let input = quote! {
                enum Order {
                    #[initial]
                    #[on(#attrs)]
                    Pending,
                    #body
                }
            };
            let _ = expand(args, input);
        }

        #[test]
        fn random_hierarchies_never_panic(
            composites in prop::collection::vec(stream(), 0..4),
            parents in prop::collection::vec(stream(), 0..4),
            body in stream(),
        ) {
            // Random `#[composite(...)]` and `#[parent(...)]` around well-formed states.
            let input = quote! {
                #(#[composite(#composites)])*
                enum Order {
                    #[initial]
                    #[parent(#(#parents)*)]
                    #[on(pay -> Paid, cancel -> Active)]
                    Pending,
                    #[parent(Active)]
                    #[on(ship -> Order)]
                    Paid,
                    #body
                }
            };
            let _ = expand(TokenStream::new(), input);
        }
    }
}

#[test]
fn internal_names_and_wire_field_names_are_checked() {
    let found = errors(
        quote!(
            derive(serde::Serialize),
            internal(reconcle, pay, pay, r#loop)
        ),
        quote! {
            enum Order {
                #[initial]
                #[on(pay -> Paid, reconcile -> Pending, r#loop -> Pending)]
                Pending,
                #[terminal]
                Paid { r#type: u8 },
            }
        },
    );
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].starts_with(
        "`internal(...)` names `reconcle`, which is not an event of `Order`; did you mean `reconcile`?"
    ));
    assert!(found[1].starts_with("`pay` is already listed in `internal(...)`; remove this one"));
    assert!(
        found[2].starts_with("the field `type` of `Paid` clashes with the "),
        "{}",
        found[2]
    );
}

#[test]
fn a_choice_between_raw_identifier_states_expands() {
    let out = expanded(
        quote!(),
        quote! {
            enum Token {
                #[initial]
                #[on(lex -> r#type | r#fn)]
                Start,
                #[terminal]
                r#type,
                #[terminal]
                r#fn,
            }
        },
    );
    assert!(out.contains("enum typeOrfn<"), "{out}");
}

#[test]
fn raw_identifiers_are_named_without_their_prefix_in_generated_text() {
    let out = expanded(
        quote!(),
        quote! {
            #[derive(Debug)]
            enum Spin {
                #[initial]
                #[enter]
                #[on(r#loop -> B, r#go -> r#Start)]
                r#Start,
                #[on(r#loop2 -> Start, r#match -> C | r#Start)]
                B,
                #[on(done -> r#Start)]
                C { x: u8 },
            }
        },
    );
    // Docs, the definition's names and the diagram's are text: none says `r#`. (The
    // identifiers themselves stay raw: `fn r#loop`, `pub struct r#Start`.)
    let text: Vec<&str> = out
        .lines()
        .filter(|line| {
            if line.trim_start().starts_with("///") {
                return line.contains("r#");
            }
            // The string literals of the line: every other piece between quotes.
            line.split('"').skip(1).step_by(2).any(|s| s.contains("r#"))
        })
        .collect();
    assert!(text.is_empty(), "{}", text.join("\n"));
    assert!(out.contains("pub fn r#loop("), "{out}");
}

/// Mistakes in a hierarchy never panic the macro: each input expands to errors.
#[test]
fn broken_hierarchies_expand_without_panicking() {
    let cases = [
        quote! {
            #[composite(Active, on(cancel -> Cancelled))]
            enum Order {
                #[initial]
                #[on(pay -> Active)]
                Pending,
                #[terminal]
                Cancelled,
            }
        },
        quote! {
            #[composite(A, initial, parent = B)]
            #[composite(B, parent = A)]
            #[composite(C, parent = C)]
            enum M {
                #[initial]
                #[parent(A)]
                #[on(go -> B, stop -> C)]
                X,
                #[parent(C)]
                Y,
            }
        },
    ];
    for input in cases {
        let out = expand(quote!(), input).to_string();
        assert!(out.contains("compile_error"), "{out}");
    }
}
