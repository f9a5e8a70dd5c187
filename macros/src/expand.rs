//! The pipeline: parse -> model -> validate -> generate, or fall back when there are errors.

use proc_macro2::TokenStream;

use crate::errors::Errors;
use crate::model::Model;
use crate::parse::{self, Parsed};
use crate::{codegen, fallback, validate};

/// Expands `#[state_machine(args)] input`.
pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let errors = Errors::new();
    let input = match parse::parse(args, input, &errors) {
        Parsed::Enum(input) => input,
        Parsed::Unsupported(tokens) => {
            let errors = errors.finish().unwrap_or_default();
            return fallback::unsupported(tokens, errors);
        }
    };
    let model = Model::build(&input);
    validate::check(&model, &errors);
    match errors.finish() {
        None => codegen::generate(&input.item, &model),
        Some(errors) => fallback::generate(&input.item, model, errors),
    }
}
