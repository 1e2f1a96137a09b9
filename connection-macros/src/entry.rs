//! The pipeline of `#[connection]`: parse, validate, expand.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemImpl;

use crate::errors::Errors;
use crate::expand::Expansion;
use crate::parse::{Block, Options};
use crate::validate;

pub(crate) fn connection(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = Options::parse(args, &mut errors);
    let item: ItemImpl = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            // Not an impl block (or not valid Rust): hand the tokens back
            // untouched so rustc reports its own errors where they are.
            let error = syn::Error::new(
                error.span(),
                format!("`#[connection]` goes on an impl block: {error}"),
            )
            .into_compile_error();
            return quote!(#item #error);
        }
    };
    let block = Block::parse(item, &mut errors);
    validate::check(&block, &mut errors);
    match block.self_ident() {
        Some(self_ident) if errors.is_empty() => {
            Expansion::new(&block, &options, self_ident).expand()
        }
        // Keep the user's impl (markers stripped) so the rest of their code
        // and their IDE keep working, and report every error at once.
        _ => {
            let item = &block.item;
            let errors = errors.into_compile_errors();
            quote!(#item #errors)
        }
    }
}
