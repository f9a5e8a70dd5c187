//! Small helpers for reading attribute arguments token by token, so that one malformed part
//! does not hide the errors in the others.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::errors::Errors;

/// Splits `tokens` at top-level commas. An empty part between two commas is reported; a
/// trailing comma is allowed.
pub fn split_commas(tokens: TokenStream, errors: &Errors) -> Vec<Vec<TokenTree>> {
    let mut parts = vec![Vec::new()];
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                if parts.last().is_some_and(Vec::is_empty) {
                    errors.at(p.span(), "unexpected `,`");
                } else {
                    parts.push(Vec::new());
                }
            }
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.push(tt);
                }
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// How a token reads in an error message: "`=>`", "`3`", "`(...)`".
pub fn describe(tt: &TokenTree) -> String {
    match tt {
        TokenTree::Group(g) => match g.delimiter() {
            Delimiter::Parenthesis => "`(...)`".into(),
            Delimiter::Bracket => "`[...]`".into(),
            Delimiter::Brace => "`{...}`".into(),
            Delimiter::None => "a group".into(),
        },
        other => format!("`{other}`"),
    }
}
