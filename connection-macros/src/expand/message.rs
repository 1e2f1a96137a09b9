//! The message enum: one variant per usable `#[call]` and `#[cast]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{assuming_sent, braced_at, local, type_name, typed_values};
use crate::model::Model;
use crate::parse::{Policy, located, respanned};

impl Model<'_> {
    pub(super) fn message_enum(&self) -> TokenStream {
        let Self {
            private,
            vis,
            self_ty,
            message,
            ..
        } = self;
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        let variants = self.requests().map(|request| {
            let (handler, variant) = (request.handler, &request.variant);
            let cfgs = &handler.cfgs;
            let fields = typed_values(handler);
            let reply = request.reply.field_and_type().map(|(field, reply)| {
                // At the reply type, where a reply that names no type
                // (a spawned future's output, when it is no future) is
                // reported.
                let at = reply.clone().into_iter().next().map(|token| token.span());
                let at = located(at.unwrap_or_else(proc_macro2::Span::call_site));
                let reply_to = respanned(quote!(#private::ReplyTo), at);
                quote_spanned!(at=> #field: #reply_to<#reply>)
            });
            let doc = format!(
                "A request for `{}::{}`.",
                type_name(self_ty),
                handler.ident()
            );
            quote! {
                #[doc = #doc]
                #(#cfgs)*
                #variant { #(#fields,)* #reply }
            }
        });
        let type_params = self.type_params();
        // A type parameter that no request mentions would be an unused
        // parameter of the enum (E0392); this variant uses them all and
        // cannot be built.
        let phantom = (!type_params.is_empty()).then(|| {
            quote! {
                #[doc(hidden)]
                __Phantom(
                    ::core::convert::Infallible,
                    ::core::marker::PhantomData<fn() -> (#(#type_params,)*)>,
                ),
            }
        });
        let doc = format!(
            "The requests a `{}` handles: one variant per `#[call]` and `#[cast]` handler.",
            type_name(self_ty)
        );
        let request = self.request_impl();
        quote! {
            #[doc = #doc]
            #[allow(missing_docs)] // the fields are the handlers' own parameters
            // Generated items are `pub` unless `vis` says otherwise (an impl
            // block cannot see its type's visibility).
            #[allow(
                private_interfaces,
                reason = "a handler's own parameter types may rightly be less visible than the generated enum"
            )]
            #vis enum #message #impl_generics #where_clause {
                #(#variants,)*
                #phantom
            }

            #request
        }
    }

    /// `Request::name`: each variant's name, for the trace events.
    fn name_method(&self) -> TokenStream {
        let type_params = self.type_params();
        let names = self.requests().map(|request| {
            let variant = &request.variant;
            let cfgs = &request.handler.cfgs;
            let name = variant.as_ref().map(ToString::to_string);
            quote! {
                #(#cfgs)*
                Self::#variant { .. } => #name,
            }
        });
        let phantom_name =
            (!type_params.is_empty()).then(|| quote!(Self::__Phantom(never, _) => match never {},));
        quote! {
            fn name(&self) -> &'static str {
                match *self {
                    #(#names)*
                    #phantom_name
                }
            }
        }
    }

    /// `impl Request for` the message enum: each variant's name, and, when
    /// some request does not simply run while disconnected, which policy
    /// each has, whether its caller gave up, and how to answer it without
    /// running its handler.
    fn request_impl(&self) -> TokenStream {
        let name = self.name_method();
        let Self {
            private, message, ..
        } = self;
        // `Request` asks the enum to be `Send`: assumed here, checked with
        // the types it holds (see `checks.rs`), so a type that is not is
        // one error, there.
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let enum_type: syn::Type = syn::parse_quote!(#message #ty_generics);
        let assumed = if self.sent.is_empty() {
            Vec::new()
        } else {
            vec![enum_type]
        };
        let generics = assuming_sent(self.generics.clone(), &assumed);
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let allow = self.allow_private_bounds();
        // At the block's type, as `impl Connection`: a hand-written
        // `impl Request` for the enum is reported (E0119) there.
        let span = self.self_ty.span();
        let impl_header = respanned(
            quote!(impl #impl_generics #private::Request for #message #ty_generics #where_clause),
            span,
        );
        let item = |body: TokenStream| {
            let body = braced_at(body, span);
            quote! {
                #[automatically_derived]
                #allow
                #impl_header #body
            }
        };
        if self.requests().all(|request| request.policy == Policy::Run) {
            return item(name);
        }
        let policy_methods = self.policy_methods();
        item(quote! {
            #name
            #policy_methods
        })
    }

    /// `Request`'s `when_disconnected`, `is_abandoned` and `refuse`: each
    /// request's policy, whether its caller gave up, and how it is answered
    /// without running its handler.
    fn policy_methods(&self) -> TokenStream {
        let Self {
            private, message, ..
        } = self;
        let error = local("error");
        let mut policies = Vec::new();
        let mut abandoned = Vec::new();
        let mut refusals = Vec::new();
        for request in self.requests() {
            let variant = &request.variant;
            let cfgs = &request.handler.cfgs;
            let name = match request.policy {
                Policy::Run => quote!(Run),
                Policy::Queue => quote!(Queue),
                Policy::Reject => quote!(Reject),
            };
            policies.push(quote! {
                #(#cfgs)*
                #message::#variant { .. } => #private::WhenDisconnected::#name,
            });
            if let Some((field, _)) = request.reply.field_and_type() {
                abandoned.push(quote! {
                    #(#cfgs)*
                    #message::#variant { #field, .. } => #field.is_closed(),
                });
                refusals.push(quote! {
                    #(#cfgs)*
                    #message::#variant { #field, .. } => #private::refuse(#field, #error),
                });
            } else {
                abandoned.push(quote! {
                    #(#cfgs)*
                    #message::#variant { .. } => false,
                });
                refusals.push(quote! {
                    #(#cfgs)*
                    #message::#variant { .. } => { let _ = #error; }
                });
            }
        }
        let phantom = (!self.type_params().is_empty())
            .then(|| quote!(#message::__Phantom(never, _) => match *never {},));
        let phantom_owned = (!self.type_params().is_empty())
            .then(|| quote!(#message::__Phantom(never, _) => match never {},));
        quote! {
            fn when_disconnected(&self) -> #private::WhenDisconnected {
                    match self {
                        #(#policies)*
                        #phantom
                    }
                }

                fn is_abandoned(&self) -> bool {
                    match self {
                        #(#abandoned)*
                        #phantom
                    }
                }

                fn refuse(self, #error: #private::CallError) {
                    match self {
                        #(#refusals)*
                        #phantom_owned
                    }
                }
        }
    }
}
