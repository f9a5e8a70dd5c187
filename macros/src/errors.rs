//! Collecting errors so that every mistake in a definition is reported in one build.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};

/// Collects errors from every stage. It must be [`finish`](Self::finish)ed before it is dropped,
/// so that no stage can forget to report what it found.
pub struct Errors {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Errors {
    pub fn new() -> Self {
        Errors {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at `span`, once: a composite's transition is checked in every state
    /// that inherits it, and its mistake is still one error.
    pub fn at(&self, span: Span, message: impl Display) {
        let error = syn::Error::new(span, message);
        let key = |e: &syn::Error| (format!("{:?}", e.span()), e.to_string());
        let repeated = self
            .errors
            .borrow()
            .as_ref()
            .is_some_and(|errors| errors.iter().any(|e| key(e) == key(&error)));
        if !repeated {
            self.push(error);
        }
    }

    /// Records an error (which may hold several).
    pub fn push(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// How many errors have been recorded so far.
    pub fn count(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    /// The errors as `compile_error!` invocations, or `None` when there were none.
    pub fn finish(self) -> Option<TokenStream> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        if errors.is_empty() {
            None
        } else {
            Some(errors.iter().map(syn::Error::to_compile_error).collect())
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        // A bug in the macro, never a mistake of the user: every path ends in `finish`.
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("statewright-macros: errors were collected but never reported");
        }
    }
}
