//! The `#[connection]` attribute macro.
//!
//! Use it through the `connection-runtime` crate (`connection::connection`),
//! which documents it and provides every item the generated code names.
//!
//! The crate is split by pass: `parse` reads the options and the impl block
//! into a model, `validate` checks every rule and collects every error, and
//! `expand` generates the code of a valid block.

mod entry;
mod errors;
mod expand;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Turns an inherent impl block into a connection. See `connection::connection`.
#[proc_macro_attribute]
pub fn connection(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::connection(args.into(), item.into()).into()
}
