//! Collects every error of one `#[connection]` block, so that a single compile
//! reports all of them (serde's `Ctxt` does the same).

use std::fmt::Display;

use quote::ToTokens;

#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records `message` on the span of `tokens`, the user's own code.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Adds every error of `other`.
    pub(crate) fn extend(&mut self, other: Errors) {
        if let Some(error) = other.combined {
            self.push(error);
        }
    }

    /// How many errors are recorded.
    pub(crate) fn len(&self) -> usize {
        self.combined
            .as_ref()
            .map_or(0, |error| error.into_iter().count())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// Every error recorded, as `compile_error!` invocations.
    pub(crate) fn into_compile_errors(self) -> proc_macro2::TokenStream {
        self.combined
            .map(syn::Error::into_compile_error)
            .unwrap_or_default()
    }
}
