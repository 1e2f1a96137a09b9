//! The pipeline of `#[connection]`: parse, validate, expand.

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;
use crate::markers;
use crate::parse::{Block, Options};
use crate::validate;

pub(crate) fn connection(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = Options::parse(args, &mut errors);
    let item = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Impl(item)) => item,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                other,
                "`#[connection]` goes on an inherent impl block, such as `impl MyConnection { .. }`",
            )
            .into_compile_error();
            return quote!(#item #error);
        }
        // Not valid Rust: hand the tokens back (markers removed, as they
        // mean nothing outside this macro) so rustc reports its own errors
        // where they are.
        Err(error) => {
            let item = markers::strip(item);
            let error = error.into_compile_error();
            return quote!(#item #error);
        }
    };
    let item = without_repeated_attribute(item, &mut errors);
    let mut block = Block::parse(item, options.krate.as_ref(), &mut errors);
    // On errors, the user's impl (markers stripped) and the items of the
    // usable handlers are still emitted, so the rest of their code and their
    // IDE keep working; every error is reported at once.
    let expansion = match validate::validate(&mut block, &options, &mut errors) {
        Some(model) => model.expand(),
        None => {
            let item = &block.item;
            quote!(#item)
        }
    };
    let errors = errors.into_compile_errors();
    quote!(#expansion #errors)
}

/// `item` without a second `#[connection]` (this one, the outer, sees the
/// inner among the block's attributes): reported once here, instead of two
/// expansions whose every item collides.
fn without_repeated_attribute(mut item: syn::ItemImpl, errors: &mut Errors) -> syn::ItemImpl {
    item.attrs.retain(|attr| {
        let repeated = attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "connection");
        if repeated {
            errors.spanned(
                attr,
                "`#[connection]` is written twice on this block; remove one (options go in one attribute: `#[connection(client = .., message = ..)]`)",
            );
        }
        !repeated
    });
    item
}
