//! The client: its struct, one method per request, the lifecycle methods,
//! its trait impls, and the connection's `start` methods.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{receiver_at, type_name, typed_values};
use crate::model::{Model, Request};
use crate::parse::{Flattened, Kind, respanned};

impl Model<'_> {
    pub(super) fn client_struct(&self) -> TokenStream {
        let allow = self.allow_private_bounds();
        let Self {
            private,
            vis,
            self_ty,
            client,
            ..
        } = self;
        let generics = self.assuming_generics();
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        let doc = format!(
            "A handle to a running `{0}` connection, returned by `{0}::start`. \
             Cloning is cheap; the connection stops once every clone is dropped. \
             Besides one method per request it has the lifecycle methods every client has \
             (below), and converts to and from the generic `connection::Client`.",
            type_name(self_ty),
        );
        // A derive would require every type parameter to be `Clone` and
        // `Debug`: a generic block's are written out (`client_trait_impls`).
        let derive = self
            .generics
            .params
            .is_empty()
            .then(|| quote!(#[derive(::core::clone::Clone, ::core::fmt::Debug)]));
        quote! {
            #[doc = #doc]
            #derive
            #allow
            #vis struct #client #impl_generics #where_clause {
                client: #private::Client<#self_ty>,
            }
        }
    }

    pub(super) fn client_methods(&self) -> TokenStream {
        let client = &self.client;
        let generics = self.assuming_generics();
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let methods = self.requests().map(|request| self.client_method(request));
        let lifecycle = self.client_lifecycle_methods();
        let allow = self.allow_private_bounds();
        quote! {
            #[allow(
                private_interfaces,
                reason = "a handler's own parameter types may rightly be less visible than the generated client"
            )]
            #allow
            impl #impl_generics #client #ty_generics #where_clause {
                #(#methods)*
                #lifecycle
            }
        }
    }

    /// The client method of one request: its handler's docs, `#[cfg]` and
    /// `#[deprecated]`, and its value parameters.
    fn client_method(&self, request: &Request<'_>) -> TokenStream {
        let handler = request.handler;
        let method = handler.ident();
        let docs = if handler.docs.is_empty() {
            // Generated public items are documented even when the handler
            // is not, so `#![deny(missing_docs)]` crates compile.
            let doc = match handler.kind {
                Kind::Call => format!(
                    "Calls `{}::{method}` and waits for its reply.",
                    type_name(self.self_ty)
                ),
                _ => format!(
                    "Queues a request for `{}::{method}`.",
                    type_name(self.self_ty)
                ),
            };
            quote!(#[doc = #doc])
        } else {
            let docs = &handler.docs;
            quote!(#(#docs)*)
        };
        let cfgs = &handler.cfgs;
        let deprecated = &handler.deprecated;
        let args = typed_values(handler);
        let body = self.client_method_body(request);
        quote! {
            #docs
            #(#cfgs)*
            #(#deprecated)*
            pub async fn #method(&self, #(#args),*) #body
        }
    }

    /// A client method's return type and body: the call's reply (or the
    /// handler's own `Result` with `flatten`), or the cast's queueing.
    fn client_method_body(&self, request: &Request<'_>) -> TokenStream {
        let Self {
            private, message, ..
        } = self;
        let Request {
            handler,
            variant,
            fields,
            ..
        } = request;
        let span = handler.ident().span();
        let receiver = receiver_at(span);
        let Some((field, reply)) = request.reply.field_and_type() else {
            return quote_spanned! {span=>
                -> ::core::result::Result<(), #private::CallError> {
                    #receiver.client.cast(#message::#variant { #(#fields,)* }).await
                }
            };
        };
        let Some(flattened) = handler.flattened() else {
            // A spawned future named without its output that is no future is
            // reported at the return type, with the variant's `ReplyTo`.
            let returns = handler.named_future_at().unwrap_or(span);
            let result = respanned(quote!(::core::result::Result), returns);
            return quote_spanned! {span=>
                -> #result<#reply, #private::CallError> {
                    #receiver.client
                        .call(|#field| #message::#variant { #(#fields,)* #field })
                        .await
                }
            };
        };
        // The handler's `Result<T, E>` itself; a failed call converted where
        // `E` is written, so that a missing `From<CallError>` is reported
        // there (for an alias, where the reply is: not a `Result`, or its
        // error without the `From`).
        let failed = match flattened {
            Flattened::Written(error) => {
                let from = respanned(
                    quote!(<#error as #private::FromCallError>::from_call_error),
                    error.span(),
                );
                quote!(::core::result::Result::Err(#from(error)))
            }
            Flattened::Named(reply) => {
                // At the alias's own name (`Result` in `io::Result<T>`).
                let at = match reply {
                    syn::Type::Path(path) => {
                        path.path.segments.last().map(|last| last.ident.span())
                    }
                    _ => None,
                };
                respanned(
                    quote!(<#reply as #private::FlattenedReply>::from_call_error(error)),
                    at.unwrap_or_else(|| reply.span()),
                )
            }
        };
        quote_spanned! {span=>
            -> #reply {
                match #receiver.client
                    .call(|#field| #message::#variant { #(#fields,)* #field })
                    .await
                {
                    ::core::result::Result::Ok(reply) => reply,
                    ::core::result::Result::Err(error) => #failed,
                }
            }
        }
    }

    /// The runtime's generic client methods, forwarded. (A `Deref` to
    /// `Client<Self>` would be shorter, but its associated type would leak a
    /// private connection type through a public client: E0446.)
    pub(super) fn client_lifecycle_methods(&self) -> TokenStream {
        let Self {
            private,
            self_ty,
            info_vis,
            ..
        } = self;
        // Each under the handler's `#[cfg]`; for `#[cfg]` alternatives of
        // other types, one per alternative, taking its type.
        let methods = |ty: &syn::Type, cfgs: &[syn::Attribute]| {
            quote! {
                #(#cfgs)*
                /// Delivers `info` to the `#[info]` handler, waiting for mailbox space
                /// for at most this client's timeout.
                ///
                /// # Errors
                ///
                /// When the mailbox stays full, or the connection has stopped.
                #[allow(dead_code)] // crate-visible, and maybe unused there
                #info_vis async fn info(&self, info: #ty) -> ::core::result::Result<(), #private::CallError> {
                    #private::info(&self.client, ::core::convert::From::from(info)).await
                }

                /// Delivers `info` to the `#[info]` handler if the mailbox has room now.
                ///
                /// # Errors
                ///
                /// When the mailbox is full, or the connection has stopped.
                #(#cfgs)*
                #[allow(dead_code)]
                #info_vis fn try_info(&self, info: #ty) -> ::core::result::Result<(), #private::CallError> {
                    #private::try_info(&self.client, ::core::convert::From::from(info))
                }

                #(#cfgs)*
                /// A sender to the `#[info]` handler that does not keep the connection alive.
                #[must_use]
                #[allow(dead_code)]
                #info_vis fn info_sender(&self) -> #private::InfoSender<#self_ty> {
                    #private::info_sender(&self.client)
                }
            }
        };
        let info = if self.infos.info_by_cfg.is_empty() {
            let cfgs = self.info_cfgs();
            self.info_type().map(|ty| methods(ty, &cfgs))
        } else {
            let each = self
                .infos
                .info_by_cfg
                .iter()
                .map(|(cfgs, ty)| methods(ty, cfgs));
            Some(quote!(#(#each)*))
        };
        quote! {
            #info

            // `stop`, `stopped`, `is_alive`, `is_connected` and the timeouts,
            // written once in the runtime.
            #private::client_lifecycle!();
        }
    }

    pub(super) fn client_trait_impls(&self) -> TokenStream {
        let allow = self.allow_private_bounds();
        let Self {
            private,
            self_ty,
            client,
            ..
        } = self;
        let generics = self.assuming_generics();
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        // As derived (the derive's output), for a generic block.
        let name = client.to_string();
        let client = quote!(#client #ty_generics);
        // Derived on the struct unless the block is generic (`client_struct`).
        let clone_and_debug = (!self.generics.params.is_empty()).then(|| {
            quote! {
                #[automatically_derived]
                #allow
                impl #impl_generics ::core::clone::Clone for #client #where_clause {
                    fn clone(&self) -> Self {
                        Self { client: ::core::clone::Clone::clone(&self.client) }
                    }
                }

                #[automatically_derived]
                #allow
                impl #impl_generics ::core::fmt::Debug for #client #where_clause {
                    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.debug_struct(#name).field("client", &self.client).finish()
                    }
                }
            }
        });
        quote! {
            #clone_and_debug

            #[automatically_derived]
            #allow
            impl #impl_generics ::core::convert::AsRef<#private::Client<#self_ty>> for #client #where_clause {
                fn as_ref(&self) -> &#private::Client<#self_ty> {
                    &self.client
                }
            }

            #[automatically_derived]
            #allow
            impl #impl_generics ::core::convert::From<#private::Client<#self_ty>> for #client #where_clause {
                fn from(client: #private::Client<#self_ty>) -> Self {
                    Self { client }
                }
            }

            #[automatically_derived]
            #allow
            impl #impl_generics ::core::convert::From<#client> for #private::Client<#self_ty> #where_clause {
                fn from(client: #client) -> Self {
                    client.client
                }
            }
        }
    }

    /// `start` and `start_with`, written into the block itself: its
    /// generics, bounds and `Send` assumptions are what they need.
    pub(super) fn start_methods(&self) -> Vec<syn::ImplItem> {
        // A method of the same name was reported by `validate`; generating
        // ours too would only add rustc's duplicate-definition error.
        let taken = self.block.item.items.iter().any(|item| {
            matches!(item, syn::ImplItem::Fn(method)
                if method.sig.ident == "start" || method.sig.ident == "start_with")
        });
        if taken {
            return Vec::new();
        }
        let Self {
            private,
            vis,
            client,
            ..
        } = self;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        vec![
            syn::parse_quote! {
                /// Starts the connection on a new tokio task with default options, and
                /// returns its client once `init` has returned.
                ///
                /// # Errors
                ///
                /// When `init` stops, panics or times out.
                #vis async fn start(self) -> ::core::result::Result<#client #ty_generics, #private::StartError> {
                    #private::start(self, <#private::Options as ::core::default::Default>::default()).await
                }
            },
            syn::parse_quote! {
                /// Starts the connection with `options`, and returns its client once
                /// `init` has returned.
                ///
                /// # Errors
                ///
                /// When `init` stops, panics or times out.
                #vis async fn start_with(
                    self,
                    options: #private::Options,
                ) -> ::core::result::Result<#client #ty_generics, #private::StartError> {
                    #private::start(self, options).await
                }
            },
        ]
    }
}
