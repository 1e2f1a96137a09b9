//! What the expansion checks by type, where validation cannot tell by the
//! written form. Every check is a bound that either holds or is one error
//! on the user's token, worded by a trait of the runtime's `checks.rs`
//! (`#[diagnostic::on_unimplemented]`); none rejects a type that works.
//!
//! - `Send`. Each type that crosses between tasks
//!   (the model's `sent`: the connection itself,
//!   request arguments and replies, the info, the connect and disconnect
//!   infos) is checked once, in a function generic like the block (so
//!   that a generic block is checked too), spanned at the user's type. The trait is chosen by what the written form suggests (an `Rc`,
//!   a `dyn Trait` without `+ Send`) to word the error; the bound alone
//!   decides. The generated items carry `for<'__sent> T: Send` for the types
//!   the expansion makes to hold the user's (the message enum, the info
//!   newtypes, the connection): rustc takes such a bound as an assumption
//!   inside the item, so a type that is not `Send` is reported once, here,
//!   not again in every item on the attribute ([`assuming_sent`]). Never a
//!   user's own type: rustc would prefer the assumption to the built-in
//!   impl and reject a type with a higher-ranked binder. A handler's future
//!   is checked at its name (`handler_future`), a returned reply where it is
//!   sent (`answering`, `send_reply`, one span, so one error).
//! - A `ReplyTo` or `Context` under another name (an alias, a renamed
//!   import) taken for a request argument, and a `ReplyTo<T>` that is not the
//!   runtime's: `Probe` methods whose inherent versions, found before the
//!   `Plain` trait's, carry a bound that cannot hold ([`Model::checks`]).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Generics, Type};

use crate::model::Model;
use crate::parse::{Handler, Param, respanned};
use crate::validate::{NotSendHint, is_borrowed, not_send_hint, surely_send};

impl Model<'_> {
    /// Every check of the block: the `Send` checks and the probes of the
    /// requests in one function, and the probes of each `#[cfg]`'d request
    /// in one of its own, under its conditions.
    pub(super) fn checks(&self) -> TokenStream {
        let private = &self.private;
        let plain = quote! {
            #[allow(unused_imports)]
            use #private::Plain as _;
        };
        let (mut always, mut gated) = (Vec::new(), Vec::new());
        for handler in self.requests().map(|request| request.handler) {
            if let Some(probes) = self.probes(handler) {
                if handler.cfgs.is_empty() {
                    always.push(probes);
                } else {
                    gated.push(self.checking_fn(&handler.cfgs, quote!(#plain #probes)));
                }
            }
        }
        let plain = (!always.is_empty()).then_some(plain);
        let sent = self.send_checks();
        let checks = self.checking_fn(&[], quote!(#sent #plain #(#always)*));
        quote!(#checks #(#gated)*)
    }

    /// The macro knows a deferred reply and the context by their written
    /// form; these probes go by type, spanned at each request parameter:
    /// that no plain argument is a `ReplyTo` or `Context` under another
    /// name (the client method would ask its caller for it), and that a
    /// `ReplyTo<T>` taken as the deferred reply is the runtime's. Types
    /// written as standard ones (`String`, `Vec<u8>`) are neither: no probe
    /// to read in the expansion.
    fn probes(&self, handler: &Handler) -> Option<TokenStream> {
        let private = &self.private;
        let probes: Vec<_> = handler
            .params
            .iter()
            .filter_map(|param| match param {
                // Every token at the user's type: the call's span is where
                // rustc reports its bound.
                Param::Value { arg, .. } if !is_borrowed(&arg.ty) && !surely_send(&arg.ty) => {
                    let ty = &arg.ty;
                    let private = respanned(private.clone(), ty.span());
                    Some(quote_spanned! {ty.span()=>
                        #private::Probe::<#ty>::new().not_reply_to();
                        #private::Probe::<#ty>::new().not_context();
                    })
                }
                Param::ReplyTo { arg, .. } => {
                    let ty = &arg.ty;
                    let private = respanned(private.clone(), ty.span());
                    Some(quote_spanned! {ty.span()=>
                        #private::Probe::<#ty>::new().runtime_reply_to();
                    })
                }
                _ => None,
            })
            .collect();
        (!probes.is_empty()).then(|| quote!(#(#probes)*))
    }

    /// `body`, checked in a function generic like the block (never called:
    /// rustc checks its body all the same, for every type the block's
    /// bounds allow), under `cfgs`.
    pub(super) fn checking_fn(&self, cfgs: &[syn::Attribute], body: TokenStream) -> TokenStream {
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        quote! {
            #(#cfgs)*
            const _: () = {
                #[allow(dead_code, clippy::multiple_bound_locations)]
                fn check #impl_generics () #where_clause {
                    #body
                }
            };
        }
    }

    /// For the items with [`assuming_sent`]'s bounds, which may name types
    /// less visible than the item.
    pub(super) fn allow_private_bounds(&self) -> Option<syn::Attribute> {
        (!self.sent.is_empty()).then(|| {
            syn::parse_quote! {
                #[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
            }
        })
    }

    /// The `Send` checks: one per type that crosses between tasks
    /// ([`sent_types`](super::model::sent_types)), the connection's own
    /// first, spanned at the user's type, so that one that is not `Send` is
    /// reported there with the reason. The generated items (and the block)
    /// assume these types are `Send` ([`assuming_sent`]): without that,
    /// rustc would report the same fault again in every item that needs it,
    /// on the attribute.
    fn send_checks(&self) -> TokenStream {
        let private = &self.private;
        let Some((connection, values)) = self.sent.split_first() else {
            return TokenStream::new();
        };
        // Worded by what the type's written form suggests; the bound alone
        // decides.
        let checks = values.iter().map(|ty| match not_send_hint(ty) {
            None => quote!(SentBetweenTasks),
            Some(NotSendHint::Rc) => quote!(SentHoldingRc),
            Some(NotSendHint::Dyn) => quote!(SentHoldingDyn),
            Some(NotSendHint::SharedDyn) => quote!(SentHoldingSharedDyn),
        });
        quote! {
            let () = <#connection as #private::MovedToTask>::CHECKED;
            #(let () = <#values as #private::#checks>::CHECKED;)*
        }
    }
}

/// `generics` with `for<'__sent> T: Send` for each of `sent`: a bound that
/// holds whenever the block compiles (each is checked by
/// [`Model::checks`]), and that, being higher-ranked, rustc takes
/// as an assumption inside the item instead of a fact to check there.
pub(super) fn assuming_sent(mut generics: Generics, sent: &[Type]) -> Generics {
    if !sent.is_empty() {
        let predicates = &mut generics.make_where_clause().predicates;
        for ty in sent {
            predicates.push(syn::parse_quote!(for<'__sent> #ty: ::core::marker::Send));
        }
    }
    generics
}
