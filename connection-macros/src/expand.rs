//! Code generation. Infallible: `validate` decided which handlers are usable,
//! and only those are called from generated code. A lifecycle handler that is
//! missing or broken gets a stub whose body is never reached (the block
//! already failed to compile with the validator's error), so that the
//! client and the rest of the user's code keep type-checking.
//!
//! Input:
//!
//! ```text
//! #[connection]
//! impl Tcp {
//!     #[connect] async fn connect(&mut self, attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect { .. }
//!     #[disconnect] async fn disconnect(&mut self, why: Why) -> Disconnect<()> { .. }
//!     #[call] async fn send(&mut self, data: Vec<u8>) -> io::Result<()> { .. }
//! }
//! ```
//!
//! Output, in this order (each item from one method of `Expansion`):
//!
//! ```text
//! impl Tcp { /* as written, markers removed */ }                          // the block itself
//! pub enum TcpMessage { Send { data: Vec<u8>, reply_to: ReplyTo<io::Result<()>> } }
//! pub struct TcpClient { client: Client<Tcp> }
//! impl TcpClient { pub async fn send(&self, data: Vec<u8>) -> Result<io::Result<()>, CallError>; stop; stopped; .. }
//! impl Clone, Debug, AsRef<Client<Tcp>>, From<Client<Tcp>> for TcpClient; From<TcpClient> for Client<Tcp>
//! impl Tcp { pub async fn start(self) -> ..; pub async fn start_with(self, options: Options) -> .. }
//! impl Connection for Tcp { type Message = TcpMessage; ..; fn handle(..) -> impl Future { async move { match message { .. } } } }
//! const _: () = <Tcp as MovedToTask>::CHECKED;                            // checks spanned on the user's types
//! ```
//!
//! The checks: each type that crosses between tasks is asserted `Send` once,
//! on the user's token, and the items above carry `for<'__sent> T: Send` for
//! those types (an assumption inside them rather than an error in each);
//! request parameters are probed by type for a `ReplyTo` or `Context` under
//! another name; each handler's future goes through `handler_future`,
//! spanned at its name, and `#[init]`'s and `#[disconnect]`'s connect info
//! through `init_outcome`/`disconnect_outcome`, spanned at their type.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Generics, Type, Visibility};

use crate::parse::{
    Block, Handler, Kind, Options, Param, Policy, change_in_type, is_unit, respanned,
    single_type_argument,
};
use crate::validate::{NotSendHint, is_borrowed, not_send_hint};

pub(crate) struct Expansion<'a> {
    block: &'a Block,
    /// Per handler: whether generated code may call it.
    usable: &'a [bool],
    /// The generated code's name for the runtime's `__private`
    /// (`::connection::__private`, or `<crate option>::__private`),
    /// imported once by [`runtime_import`](Self::runtime_import).
    private: TokenStream,
    runtime_import: TokenStream,
    vis: Visibility,
    /// Where the block wrote `vis = ..`, if it did.
    vis_span: Option<proc_macro2::Span>,
    /// Of the client's info methods: `pub(crate)` unless the block says
    /// `info_vis`, so that no holder of a client can forge infos.
    info_vis: Visibility,
    self_ty: &'a Type,
    message: Ident,
    client: Ident,
    /// The connection's `Info` and `DisconnectInfo`: newtypes of the
    /// handlers' own types (see [`Expansion::info_wrappers`]).
    info_wrapper: Ident,
    lost_wrapper: Ident,
    connect_wrapper: Ident,
    /// The block's generics with `Send + 'static` added to each type
    /// parameter (a connection runs on its own task): for the message enum
    /// and the connection impl.
    generics: Generics,
    /// The block's `when_disconnected`, for handlers that name none.
    default_policy: Policy,
    /// The same plus `Self: Connection`, which the runtime's `Client`
    /// requires: for the client and the `start` methods.
    client_generics: Generics,
    /// The types that cross between tasks and that rustc must check to be
    /// `Send` (see [`Expansion::send_checks`]).
    sent: Vec<Type>,
}

impl<'a> Expansion<'a> {
    pub(crate) fn new(
        block: &'a Block,
        usable: &'a [bool],
        options: &Options,
        self_ident: &Ident,
    ) -> Self {
        let krate = options
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::connection));
        // Every generated path goes through one import of the runtime: a
        // `crate = ..` that names nothing is one error, at the option.
        let alias = format_ident!("__{}_runtime", self_ident.to_string().to_lowercase());
        let import_span = options
            .krate
            .as_ref()
            .map_or_else(proc_macro2::Span::call_site, Spanned::span);
        let runtime_import = quote_spanned! {import_span=>
            #[allow(unused_imports)]
            use #krate::__private as #alias;
        };
        let private = quote!(#alias);
        let self_ty = &*block.item.self_ty;
        let mut generics = block.item.generics.clone();
        for param in generics.type_params_mut() {
            param.bounds.push(syn::parse_quote!(::core::marker::Send));
            param.bounds.push(syn::parse_quote!('static));
        }
        let message = options
            .message
            .clone()
            .unwrap_or_else(|| format_ident!("{}Message", self_ident));
        let client = options
            .client
            .clone()
            .unwrap_or_else(|| format_ident!("{}Client", self_ident));
        let info_wrapper = format_ident!("__{}Info", self_ident);
        let sent = sent_types(block, usable, self_ty);
        let mut client_generics = generics.clone();
        if !generics.params.is_empty() {
            // Written out for the generic case only: for a concrete type it
            // is a trivially true bound. The associated types are named so
            // that the client's methods know what they send and return.
            let (_, ty_generics, _) = generics.split_for_impl();
            // And the info type, which the client's `info` converts into.
            let info = block
                .handler(Kind::Info)
                .and_then(value_type)
                .filter(|ty| !is_borrowed(ty))
                .map(|ty| {
                    let type_params: Vec<_> =
                        generics.type_params().map(|param| &param.ident).collect();
                    if gets_newtype(ty, &type_params) {
                        quote!(Info = #info_wrapper #ty_generics,)
                    } else {
                        quote!(Info = #ty,)
                    }
                });
            client_generics
                .make_where_clause()
                .predicates
                .push(syn::parse_quote! {
                    #self_ty: #private::Connection<
                        Message = #message #ty_generics,
                        Client = #client #ty_generics,
                        #info
                    >
                });
        }
        let mut expansion = Expansion {
            block,
            usable,
            private,
            runtime_import,
            vis: options
                .vis
                .clone()
                .unwrap_or_else(|| syn::parse_quote!(pub)),
            vis_span: options.vis.as_ref().map(Spanned::span),
            info_vis: options
                .info_vis
                .clone()
                .unwrap_or_else(|| syn::parse_quote!(pub(crate))),
            self_ty,
            message,
            client,
            info_wrapper,
            lost_wrapper: format_ident!("__{}DisconnectInfo", self_ident),
            connect_wrapper: format_ident!("__{}ConnectInfo", self_ident),
            generics,
            default_policy: options.when_disconnected.unwrap_or(Policy::Run),
            client_generics,
            sent,
        };
        expansion.client_generics =
            assuming_sent(expansion.client_generics.clone(), &expansion.assumed());
        expansion
    }

    /// What the generated items (and the block) assume `Send`, while each
    /// type of [`sent`](Self::sent) is checked on its own token: the
    /// connection itself and the types the expansion makes to carry the
    /// user's (the message enum, the info newtypes). Never a user's type
    /// written out: rustc prefers such an assumption to the built-in `Send`
    /// when the type holds a higher-ranked binder (`Box<dyn Fn(&T)>`, also
    /// through an alias), and it names the type with its `'static` object
    /// lifetime where a future's witness asks for every lifetime, so a
    /// handler holding one across an `.await` would be rejected.
    fn assumed(&self) -> Vec<Type> {
        if self.sent.is_empty() {
            return Vec::new();
        }
        let (message, self_ty) = (&self.message, self.self_ty);
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let mut assumed: Vec<Type> =
            vec![self_ty.clone(), syn::parse_quote!(#message #ty_generics)];
        // Not a newtype under `#[cfg]`: a where clause cannot be `#[cfg]`'d.
        let info_cfgs = self
            .first(Kind::Info)
            .is_some_and(|info| !info.cfgs.is_empty());
        if self.wrapped_info_type().is_some() && !info_cfgs {
            let wrapper = &self.info_wrapper;
            assumed.push(syn::parse_quote!(#wrapper #ty_generics));
        }
        if self.wrapped_disconnect_type().is_some() {
            let wrapper = &self.lost_wrapper;
            assumed.push(syn::parse_quote!(#wrapper #ty_generics));
        }
        if self.wrapped_connect_info().is_some() {
            let wrapper = &self.connect_wrapper;
            assumed.push(syn::parse_quote!(#wrapper #ty_generics));
        }
        assumed
    }

    pub(crate) fn expand(&self) -> TokenStream {
        let mut item = self.block.item.clone();
        // The handlers run on the connection's task, and those that take
        // the context name `Context<Self>`, which asks `Self: Connection`:
        // the block gets the bounds its type parameters have there.
        let params: Vec<Ident> = item
            .generics
            .type_params()
            .map(|param| param.ident.clone())
            .collect();
        if !params.is_empty() {
            let predicates = &mut item.generics.make_where_clause().predicates;
            for param in params {
                predicates.push(syn::parse_quote!(#param: ::core::marker::Send + 'static));
            }
        }
        item.generics = assuming_sent(item.generics, &self.assumed());
        item.attrs.extend(self.allow_private_bounds());
        let send_checks = self.send_checks();
        let parameter_checks = self.parameter_checks();
        let message_enum = self.message_enum();
        let client_struct = self.client_struct();
        let client_methods = self.client_methods();
        let client_impls = self.client_trait_impls();
        let start = self.start_methods();
        let connection_impl = self.connection_impl();
        let info_wrappers = self.info_wrappers();
        let runtime_import = &self.runtime_import;
        quote! {
            #runtime_import
            #item
            #message_enum
            #client_struct
            #client_methods
            #client_impls
            #start
            #connection_impl
            #info_wrappers
            #send_checks
            #parameter_checks
        }
    }

    /// The macro knows a deferred reply and the context by their written
    /// form; these checks go by type, spanned at each request parameter:
    /// that no plain argument is a `ReplyTo` or `Context` under another name
    /// (the client method would ask its caller for it), and that a
    /// `ReplyTo<T>` taken as the deferred reply is the runtime's. Types
    /// written as standard ones (`String`, `Vec<u8>`) are neither: no check
    /// to read in the expansion.
    fn parameter_checks(&self) -> TokenStream {
        let private = &self.private;
        let checks = self.requests().filter_map(|handler| {
            let checks: Vec<_> = handler
                .params
                .iter()
                .filter_map(|param| match param {
                    // Every token at the user's type: the call's span is
                    // where rustc reports its bound.
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
            let body = quote! {
                #[allow(unused_imports)]
                use #private::Plain as _;
                #(#checks)*
            };
            (!checks.is_empty()).then(|| self.checking_fn(&handler.cfgs, body))
        });
        quote!(#(#checks)*)
    }

    /// `body`, checked in a function generic like the block (never called:
    /// rustc checks its body all the same, for every type the block's
    /// bounds allow), under `cfgs`.
    fn checking_fn(&self, cfgs: &[syn::Attribute], body: TokenStream) -> TokenStream {
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
    fn allow_private_bounds(&self) -> Option<syn::Attribute> {
        (!self.sent.is_empty()).then(|| {
            syn::parse_quote! {
                #[allow(private_bounds, reason = "the `Send` bounds name the handlers' own types")]
            }
        })
    }

    /// One assertion per type that crosses between tasks, spanned at the
    /// user's type, so that one that is not `Send` is reported there with
    /// the reason. The generated items (and the block) assume these types
    /// are `Send` ([`assuming_sent`]): without that, rustc would report the
    /// same fault again in every item that needs it, on the attribute.
    fn send_checks(&self) -> TokenStream {
        let private = &self.private;
        // The connection's own type comes first (`sent_types`).
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
        self.checking_fn(
            &[],
            quote! {
                let () = <#connection as #private::MovedToTask>::CHECKED;
                #(let () = <#values as #private::#checks>::CHECKED;)*
            },
        )
    }

    /// The `#[disconnect]` type, if the handler takes one the task can
    /// hold (a borrowed one was reported; `()` stands in for it).
    fn disconnect_type(&self) -> Option<&'a Type> {
        self.first(Kind::Disconnect)
            .and_then(value_type)
            .filter(|ty| !is_borrowed(ty))
    }

    /// The `#[disconnect]` type, when it gets a newtype ([`gets_newtype`]).
    fn wrapped_disconnect_type(&self) -> Option<&'a Type> {
        self.disconnect_type()
            .filter(|ty| gets_newtype(ty, &self.type_params()))
    }

    /// The connect info type, when it gets a newtype ([`gets_newtype`]).
    fn wrapped_connect_info(&self) -> Option<Type> {
        let info = self
            .first(Kind::Connect)
            .and_then(value_type)
            .and_then(|ty| single_type_argument(ty, "Attempt"))?;
        let info = with_static_borrows(info);
        gets_newtype(&info, &self.type_params()).then_some(info)
    }

    /// The `#[info]` type, when it gets a newtype ([`gets_newtype`]).
    fn wrapped_info_type(&self) -> Option<&'a Type> {
        self.info_type()
            .filter(|ty| gets_newtype(ty, &self.type_params()))
    }

    /// Newtypes of the `#[info]`, `#[disconnect]` and connect info types,
    /// for the connection's `Info`, `DisconnectInfo` and `ConnectInfo`: an
    /// associated type of a
    /// public impl must be as visible as the impl (E0446), and those types
    /// are often private to their module (what the connection's own reader
    /// feeds it). A newtype is public with a private field. The runtime
    /// takes `impl Into<..>` wherever a user hands it one of them.
    fn info_wrappers(&self) -> TokenStream {
        let Self {
            vis,
            info_wrapper,
            lost_wrapper,
            ..
        } = self;
        let (impl_generics, ty_generics, where_clause) = self.generics.split_for_impl();
        let type_params = self.type_params();
        let wrap = |wrapper: &Ident, ty: &Type, what: &str, cfgs: &[syn::Attribute]| {
            let doc = format!("The connection's {what}: the handler's own type, wrapped.");
            quote! {
                #(#cfgs)*
                #[doc = #doc]
                #[doc(hidden)]
                #vis struct #wrapper #impl_generics (
                    #ty,
                    ::core::marker::PhantomData<fn() -> (#(#type_params,)*)>,
                ) #where_clause;

                #(#cfgs)*
                #[automatically_derived]
                impl #impl_generics ::core::convert::From<#ty> for #wrapper #ty_generics #where_clause {
                    #[inline]
                    fn from(value: #ty) -> Self {
                        Self(value, ::core::marker::PhantomData)
                    }
                }
            }
        };
        let info = self.wrapped_info_type().map(|ty| {
            // Under the handler's `#[cfg]`: its type may be too.
            let cfgs = self.first(Kind::Info).map(|handler| &handler.cfgs[..]);
            wrap(info_wrapper, ty, "`Info`", cfgs.unwrap_or_default())
        });
        let lost = self
            .wrapped_disconnect_type()
            .map(|ty| wrap(lost_wrapper, ty, "`DisconnectInfo`", &[]));
        let connect = self
            .wrapped_connect_info()
            .map(|ty| wrap(&self.connect_wrapper, &ty, "`ConnectInfo`", &[]));
        quote!(#info #lost #connect)
    }

    /// The usable handlers of `kind`.
    fn usable(&self, kind: Kind) -> impl Iterator<Item = &'a Handler> + '_ {
        self.block
            .handlers
            .iter()
            .zip(self.usable)
            .filter(move |(handler, usable)| **usable && handler.kind == kind)
            .map(|(handler, _)| handler)
    }

    /// The usable calls and casts, in source order: the message enum's
    /// variants and the client's methods follow the block.
    fn requests(&self) -> impl Iterator<Item = &'a Handler> + '_ {
        self.block
            .handlers
            .iter()
            .zip(self.usable)
            .filter(|(handler, usable)| **usable && handler.kind.is_request())
            .map(|(handler, _)| handler)
    }

    /// Whether the block has type parameters that no request may mention,
    /// so the message enum needs a variant that uses them.
    fn type_params(&self) -> Vec<&Ident> {
        self.generics
            .type_params()
            .map(|param| &param.ident)
            .collect()
    }

    fn message_enum(&self) -> TokenStream {
        let Self {
            private,
            vis,
            self_ty,
            message,
            ..
        } = self;
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        let variants = self.requests().map(|handler| {
            let variant = handler.variant();
            let cfgs = &handler.cfgs;
            let fields = typed_values(handler);
            let reply = (handler.kind == Kind::Call).then(|| {
                let (field, reply) = reply_field(handler);
                quote!(#field: #private::ReplyTo<#reply>)
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
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let names = self.requests().map(|handler| {
            let variant = handler.variant();
            let cfgs = &handler.cfgs;
            let name = variant.as_ref().map(ToString::to_string);
            quote! {
                #(#cfgs)*
                Self::#variant { .. } => #name,
            }
        });
        let phantom_name =
            (!type_params.is_empty()).then(|| quote!(Self::__Phantom(never, _) => match never {},));
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

            impl #impl_generics #message #ty_generics #where_clause {
                /// The request's variant name, as the runtime's trace events show it.
                #[must_use]
                #vis fn name(&self) -> &'static str {
                    match *self {
                        #(#names)*
                        #phantom_name
                    }
                }
            }
        }
    }

    fn client_struct(&self) -> TokenStream {
        let allow = self.allow_private_bounds();
        let Self {
            private,
            vis,
            self_ty,
            client,
            ..
        } = self;
        let (impl_generics, _, where_clause) = self.client_generics.split_for_impl();
        let doc = format!(
            "A handle to a running `{0}` connection, returned by `{0}::start`. \
             Cloning is cheap; the connection stops once every clone is dropped. \
             Besides one method per request it has the lifecycle methods every client has \
             (below), and converts to and from the generic `connection::Client`.",
            type_name(self_ty),
        );
        quote! {
            #[doc = #doc]
            #allow
            #vis struct #client #impl_generics #where_clause {
                client: #private::Client<#self_ty>,
            }
        }
    }

    fn client_methods(&self) -> TokenStream {
        let Self {
            private,
            message,
            client,
            ..
        } = self;
        let (impl_generics, ty_generics, where_clause) = self.client_generics.split_for_impl();
        let methods = self.requests().map(|handler| {
            let method = handler.ident();
            let variant = handler.variant();
            let span = method.span();
            let docs = if handler.docs.is_empty() {
                // Generated public items are documented even when the
                // handler is not, so `#![deny(missing_docs)]` crates compile.
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
            let fields: Vec<_> = handler.values().map(|(_, ident)| ident).collect();
            let receiver = receiver_at(span);
            let body = match handler.kind {
                Kind::Call => {
                    let (field, reply) = reply_field(handler);
                    match handler.flattened_error() {
                        // The handler's `Result<T, E>` itself; a failed
                        // call converted where `E` is written, so that a
                        // missing `From<CallError>` is reported there.
                        Some(error) => {
                            let from = respanned(
                                quote!(<#error as #private::FromCallError>::from_call_error),
                                error.span(),
                            );
                            quote_spanned! {span=>
                                -> #reply {
                                    match #receiver.client
                                        .call(|#field| #message::#variant { #(#fields,)* #field })
                                        .await
                                    {
                                        ::core::result::Result::Ok(reply) => reply,
                                        ::core::result::Result::Err(error) => {
                                            ::core::result::Result::Err(#from(error))
                                        }
                                    }
                                }
                            }
                        }
                        None => quote_spanned! {span=>
                            -> ::core::result::Result<#reply, #private::CallError> {
                                #receiver.client
                                    .call(|#field| #message::#variant { #(#fields,)* #field })
                                    .await
                            }
                        },
                    }
                }
                _ => quote_spanned! {span=>
                    -> ::core::result::Result<(), #private::CallError> {
                        #receiver.client.cast(#message::#variant { #(#fields,)* }).await
                    }
                },
            };
            quote! {
                #docs
                #(#cfgs)*
                #(#deprecated)*
                pub async fn #method(&self, #(#args),*) #body
            }
        });
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

    /// The runtime's generic client methods, forwarded. (A `Deref` to
    /// `Client<Self>` would be shorter, but its associated type would leak a
    /// private connection type through a public client: E0446.)
    fn client_lifecycle_methods(&self) -> TokenStream {
        let Self {
            private,
            self_ty,
            info_vis,
            ..
        } = self;
        let cfgs = self.first(Kind::Info).map(|handler| &handler.cfgs);
        let cfgs = cfgs.into_iter().flatten();
        let info = self.info_type().map(|ty| {
            // Each under the handler's `#[cfg]`.
            let cfgs: Vec<_> = cfgs.collect();
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
        });
        quote! {
            #info

            // `stop`, `stopped`, `is_alive`, `is_connected` and the timeouts,
            // written once in the runtime.
            #private::client_lifecycle!();
        }
    }

    fn client_trait_impls(&self) -> TokenStream {
        let allow = self.allow_private_bounds();
        let Self {
            private,
            self_ty,
            client,
            ..
        } = self;
        let (impl_generics, ty_generics, where_clause) = self.client_generics.split_for_impl();
        let client = quote!(#client #ty_generics);
        // Written out rather than derived: a derive would require every type
        // parameter to be `Clone` and `Debug`.
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
                    ::core::fmt::Debug::fmt(&self.client, f)
                }
            }

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

    fn start_methods(&self) -> TokenStream {
        // A method of the same name was reported by `validate`; generating
        // ours too would only add rustc's duplicate-definition error.
        let taken = self.block.item.items.iter().any(|item| {
            matches!(item, syn::ImplItem::Fn(method)
                if method.sig.ident == "start" || method.sig.ident == "start_with")
        });
        if taken {
            return TokenStream::new();
        }
        let allow = self.allow_private_bounds();
        let Self {
            private,
            vis,
            self_ty,
            client,
            ..
        } = self;
        let (impl_generics, ty_generics, where_clause) = self.client_generics.split_for_impl();
        quote! {
            #allow
            impl #impl_generics #self_ty #where_clause {
                /// Starts the connection on a new tokio task with default options, and
                /// returns its client once `init` has returned.
                ///
                /// # Errors
                ///
                /// When `init` stops, panics or times out.
                #vis async fn start(self) -> ::core::result::Result<#client #ty_generics, #private::StartError> {
                    #private::start(self, <#private::Options as ::core::default::Default>::default()).await
                }

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
            }
        }
    }

    fn connection_impl(&self) -> TokenStream {
        let allow = self.allow_private_bounds();
        let Self {
            private,
            self_ty,
            message,
            client,
            ..
        } = self;
        let generics = assuming_sent(self.generics.clone(), &self.assumed());
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let connect_info = self.connect_info();
        let lost_wrapper = &self.lost_wrapper;
        let info_wrapper = &self.info_wrapper;
        let connect_info_type = match self.wrapped_connect_info() {
            Some(_) => {
                let wrapper = &self.connect_wrapper;
                quote!(#wrapper #ty_generics)
            }
            None => connect_info.clone(),
        };
        let disconnect_info = match (self.disconnect_type(), self.wrapped_disconnect_type()) {
            (_, Some(_)) => quote!(#lost_wrapper #ty_generics),
            (Some(ty), None) => quote!(#ty),
            (None, None) => quote!(()),
        };
        let info = match (self.info_type(), self.wrapped_info_type()) {
            (_, Some(_)) => quote!(#info_wrapper #ty_generics),
            (Some(ty), None) => quote!(#ty),
            (None, None) => quote!(::core::convert::Infallible),
        };
        // Named by the public impl: a `vis = ..` narrower than the type's
        // own is reported (E0446) at the option.
        let mut message_and_client = quote! {
            type Message = #message #ty_generics;
            type Client = #client #ty_generics;
        };
        if let Some(span) = self.vis_span {
            message_and_client = respanned(message_and_client, span);
        }
        // An `#[info]` under `#[cfg]` leaves no info where it is compiled out.
        let info_type = match self.usable(Kind::Info).next() {
            Some(handler) if !handler.cfgs.is_empty() => {
                let cfgs = &handler.cfgs;
                let otherwise = handler.cfg_otherwise();
                quote! {
                    #(#cfgs)*
                    type Info = #info;
                    #otherwise
                    type Info = ::core::convert::Infallible;
                }
            }
            _ => quote!(type Info = #info;),
        };
        let init = self.init_method();
        let connect_handler = self.usable(Kind::Connect).next();
        let (attempt, ctx) = (
            value_param(connect_handler, "attempt"),
            ctx_param(connect_handler),
        );
        // The handler's own info out of the newtype.
        let attempt_value = if self.wrapped_connect_info().is_some() {
            quote!(#private::attempt_inner(attempt, |info| info.0))
        } else {
            quote!(attempt)
        };
        let connect = self.lifecycle_method(
            Kind::Connect,
            attempt_value,
            quote! {
                async fn connect(
                    &mut self,
                    #attempt: #private::Attempt<Self::ConnectInfo>,
                    #ctx: &mut #private::Context<Self>,
                ) -> #private::Connect
            },
        );
        // The handler's own value out of the newtype.
        let lost_value = if self.wrapped_disconnect_type().is_some() {
            quote!(info.0)
        } else {
            quote!(info)
        };
        let disconnect_handler = self.usable(Kind::Disconnect).next();
        let (lost, ctx) = (
            value_param(disconnect_handler, "info"),
            ctx_param(disconnect_handler),
        );
        let disconnect = self.lifecycle_method(
            Kind::Disconnect,
            lost_value,
            quote! {
                async fn disconnect(
                    &mut self,
                    #lost: #disconnect_info,
                    #ctx: &mut #private::Context<Self>,
                ) -> #private::Disconnect<Self::ConnectInfo>
            },
        );
        // Optional handlers: without a usable one, the trait's default runs.
        let info_method = self.usable(Kind::Info).next().map(|handler| {
            let value = if self.wrapped_info_type().is_some() {
                quote!(info.0)
            } else {
                quote!(info)
            };
            let call = self.forward(handler, value);
            let ctx = ctx_param(Some(handler));
            let cfgs = &handler.cfgs;
            // An `async move` block, not an `async fn`: an `async fn` keeps
            // its arguments twice in its future, and this one is part of
            // the connection's task.
            quote! {
                #(#cfgs)*
                fn info(
                    &mut self,
                    info: #info,
                    #ctx: &mut #private::Context<Self>,
                ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
                    async move { #call }
                }
            }
        });
        // One override per handler, under its `#[cfg]`: alternatives each
        // under their own, and a handler compiled out leaves the default.
        let timeout = self.usable(Kind::Timeout).map(|handler| {
            let call = self.forward(handler, TokenStream::new());
            let ctx = ctx_param(Some(handler));
            let cfgs = &handler.cfgs;
            quote! {
                #(#cfgs)*
                async fn timeout(&mut self, #ctx: &mut #private::Context<Self>) {
                    #call
                }
            }
        });
        let flush = self.usable(Kind::Flush).map(|handler| {
            let call = self.forward(handler, TokenStream::new());
            let ctx = ctx_param(Some(handler));
            let cfgs = &handler.cfgs;
            quote! {
                #(#cfgs)*
                const FLUSHES: bool = true;

                #(#cfgs)*
                async fn flush(&mut self, #ctx: &mut #private::Context<Self>) {
                    #call
                }
            }
        });
        let terminate = self.usable(Kind::Terminate).map(|handler| {
            let call = self.forward(handler, quote!(reason));
            let cfgs = &handler.cfgs;
            quote! {
                #(#cfgs)*
                async fn terminate(&mut self, reason: &#private::Stop) {
                    #call
                }
            }
        });
        let handle = self.handle_method();
        let describe = self.describe_methods();
        let policies = self.policy_methods();
        let body = quote! {
            #message_and_client
            type ConnectInfo = #connect_info_type;
            type DisconnectInfo = #disconnect_info;
            #info_type

            #init
            #connect
            #disconnect
            #handle
            #describe
            #policies
            #info_method
            #(#timeout)*
            #(#flush)*
            #(#terminate)*
        };
        // The body's braces too: the impl's span runs from `impl` to `}`.
        let mut body = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, body);
        body.set_span(self_ty.span());
        // At the block's type: a hand-written impl beside this one is
        // reported (E0119) there.
        let header = respanned(quote!(impl #impl_generics), self_ty.span());
        let trait_path = respanned(quote!(#private::Connection for), self_ty.span());
        let where_clause = respanned(quote!(#where_clause), self_ty.span());
        quote! {
            #[automatically_derived]
            // The handlers are called here; a deprecated one warns its
            // client method's callers instead.
            #[allow(deprecated)]
            #allow
            #header #trait_path #self_ty #where_clause #body
        }
    }

    /// The first handler of `kind`, usable or not: its parameter types still
    /// say what the block means, even when something else about it is wrong.
    fn first(&self, kind: Kind) -> Option<&'a Handler> {
        self.block.handler(kind)
    }

    /// The connect info type: `I` in the connect handler's `Attempt<I>`.
    fn connect_info(&self) -> TokenStream {
        self.first(Kind::Connect)
            .and_then(value_type)
            .and_then(|ty| single_type_argument(ty, "Attempt"))
            // A borrow was reported; `'static` keeps the rest of the block
            // (an `Init<&'static str>`, say) from a second error.
            .map(with_static_borrows)
            .map_or_else(|| quote!(()), |ty| quote!(#ty))
    }

    /// The `#[info]` handler's message type, if there is such a handler
    /// and the task can hold it (a borrowed one was reported).
    fn info_type(&self) -> Option<&'a Type> {
        self.first(Kind::Info)
            .and_then(value_type)
            .filter(|ty| !is_borrowed(ty))
    }

    /// A required lifecycle method: it forwards to the usable handler, or is
    /// a stub when the handler is missing or broken (the block then has a
    /// compile error already, so the stub never runs).
    fn lifecycle_method(
        &self,
        kind: Kind,
        value: TokenStream,
        signature: TokenStream,
    ) -> TokenStream {
        let body = match self.usable(kind).next() {
            Some(handler) if kind == Kind::Disconnect => {
                let call = self.forward(handler, value);
                self.checked_connect_info(handler, call, "Disconnect", "disconnect_outcome")
            }
            Some(handler) => self.forward(handler, value),
            None => quote! {
                {
                    ::core::unreachable!("`#[connection]` reported an error for this block")
                }
            },
        };
        quote!(#signature #body)
    }

    /// `call`, the `#[init]` or `#[disconnect]` handler's outcome, through
    /// the runtime's `init_outcome`/`disconnect_outcome` with the connect
    /// info type the handler names (`A` of `Init<A>`), spelled from its
    /// token: a type other than the `#[connect]` handler's is reported
    /// there, saying which handler fixed it.
    fn checked_connect_info(
        &self,
        handler: &Handler,
        call: TokenStream,
        outcome: &str,
        check: &str,
    ) -> TokenStream {
        // Both named: left to inference, the one impl would fix `I = A`.
        let connect_info = self.connect_info();
        // What the trait's method returns: the newtype, or the type itself.
        let wrapped = self.wrapped_connect_info().is_some();
        let target = if wrapped {
            quote!(Self::ConnectInfo)
        } else {
            connect_info.clone()
        };
        let Some(info) = handler
            .output()
            .and_then(|ty| single_type_argument(ty, outcome))
        else {
            // An outcome under another name: its info left to inference.
            let private = &self.private;
            let check = Ident::new(check, proc_macro2::Span::call_site());
            return if wrapped {
                quote!({ #private::#check::<_, #connect_info, #target>(#call) })
            } else {
                call
            };
        };
        if !wrapped && quote!(#info).to_string() == connect_info.to_string() {
            // Written alike in one module: one type, nothing to check.
            return call;
        }
        let span = info.span();
        let private = respanned(self.private.clone(), span);
        let check = Ident::new(check, span);
        quote_spanned! {span=>
            { #private::#check::<#info, #connect_info, #target>(#call) }
        }
    }

    fn init_method(&self) -> TokenStream {
        let private = &self.private;
        let handler = self.usable(Kind::Init).next();
        if let Some(handler) = handler.filter(|handler| !handler.cfgs.is_empty()) {
            // Under its `#[cfg]`; where it is compiled out, the default.
            let cfgs = &handler.cfgs;
            let otherwise = handler.cfg_otherwise();
            let default = self.init_body(None);
            let ctx = ctx_param(None);
            let init = self.init_body(Some(handler));
            let handler_ctx = ctx_param(Some(handler));
            return quote! {
                #(#cfgs)*
                async fn init(&mut self, #handler_ctx: &mut #private::Context<Self>) -> #private::Init<Self::ConnectInfo> #init

                #otherwise
                async fn init(&mut self, #ctx: &mut #private::Context<Self>) -> #private::Init<Self::ConnectInfo> #default
            };
        }
        let body = self.init_body(handler);
        let ctx = ctx_param(handler);
        quote! {
            async fn init(&mut self, #ctx: &mut #private::Context<Self>) -> #private::Init<Self::ConnectInfo> #body
        }
    }

    /// The body of `init`: the usable `#[init]` handler's, else the default.
    fn init_body(&self, handler: Option<&Handler>) -> TokenStream {
        let private = &self.private;
        if let Some(handler) = handler {
            let call = self.forward(handler, TokenStream::new());
            self.checked_connect_info(handler, call, "Init", "init_outcome")
        } else if self.usable(Kind::Init).next().is_none() && self.first(Kind::Init).is_some() {
            quote!({ ::core::unreachable!("`#[connection]` reported an error for this block") })
        } else {
            // Without `#[init]`, connect at once, as the original's examples
            // do, with the connect info's default: spanned on the `I` of the
            // connect handler's `Attempt<I>`, so that a type without one is
            // reported there.
            let info_span = self
                .first(Kind::Connect)
                .and_then(value_type)
                .and_then(|ty| single_type_argument(ty, "Attempt"))
                .map_or_else(proc_macro2::Span::call_site, |ty| {
                    syn::spanned::Spanned::span(ty)
                });
            // The type named, not inferred: with a second impl of the
            // trait (reported), `Self::ConnectInfo` would be ambiguous.
            let connect_info = respanned(self.connect_info(), info_span);
            let default =
                quote_spanned!(info_span=> <#connect_info as #private::FirstConnectInfo>::first());
            let default = if self.wrapped_connect_info().is_some() {
                quote_spanned!(info_span=> ::core::convert::From::from(#default))
            } else {
                default
            };
            quote!({ #private::Init::Connect(#default) })
        }
    }

    /// What the runtime's trace events say of a request and of a
    /// disconnect's info: the variant's name, and the info's `Debug` when
    /// its type has one (found by autoref on the concrete type; a type
    /// parameter has none known here).
    fn describe_methods(&self) -> TokenStream {
        let private = &self.private;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let (message, lost_wrapper) = (&self.message, &self.lost_wrapper);
        // The types named, not `Self::..`: with a second impl of the trait
        // (reported), those would be ambiguous, and `info.0` an error more.
        let disconnect = self.wrapped_disconnect_type().map(|_| {
            quote! {
                fn describe_disconnect(
                    info: &#lost_wrapper #ty_generics,
                ) -> ::core::option::Option<::std::string::String> {
                    #[allow(unused_imports)]
                    use #private::{DescribeByDebug as _, DescribeByNothing as _};
                    (&#private::Describe(&info.0)).describe()
                }
            }
        });
        quote! {
            fn message_name(message: &#message #ty_generics) -> &'static str {
                message.name()
            }

            #disconnect
        }
    }

    /// The dispatch `match`: each variant calls its handler and, for a plain
    /// call, sends the handler's return value as the reply.
    fn handle_method(&self) -> TokenStream {
        let Self {
            private, message, ..
        } = self;
        let ctx_local = local("ctx");
        let arms = self.requests().map(|handler| {
            let variant = handler.variant();
            let cfgs = &handler.cfgs;
            let fields: Vec<_> = handler.values().map(|(_, ident)| ident).collect();
            let span = handler.ident().span();
            let call = self.forward(handler, TokenStream::new());
            let arm = match (handler.kind, handler.reply_to(), handler.output()) {
                // The `ReplyTo` waits inside the handler's future (checked
                // `Send` at the handler's name), never in the dispatch's;
                // the reply's type is checked where it is sent, spanned at
                // the user's return type. The handler's future borrows
                // `ctx`, so it completes before the reply takes `ctx` again.
                (Kind::Call, None, Some(output)) => {
                    let future = self.handler_future(handler);

                    // Every check at the handler's name, as its future's:
                    // rustc reports a bound that fails at one place once, so
                    // a future or a reply that is not `Send` is one error.
                    let answering = respanned(quote!(#private::answering::<#output, _>), span);
                    let reply = respanned(quote!(#private::send_reply), span);
                    let answered = quote_spanned!(span=> #answering(reply_to, future).await);
                    quote_spanned! {span=>
                        #message::#variant { #(#fields,)* reply_to } => {
                            let future = #future;
                            let (reply_to, reply) = #answered;
                            #reply(#ctx_local, reply_to, reply);
                        }
                    }
                }
                (Kind::Call, None, None) => quote_spanned! {span=>
                    #message::#variant { #(#fields,)* reply_to } => {
                        let () = #call;
                        #private::send_reply(#ctx_local, reply_to, ());
                    }
                },
                (Kind::Call, Some((_, field, _)), _) => quote_spanned! {span=>
                    #message::#variant { #(#fields,)* #field } => #call,
                },
                _ => quote_spanned! {span=>
                    #message::#variant { #(#fields,)* } => #call,
                },
            };
            quote! {
                #(#cfgs)*
                #arm
            }
        });
        let phantom = (!self.type_params().is_empty())
            .then(|| quote!(#message::__Phantom(never, _) => match never {},));
        // The context is used by a handler that takes it, and by every plain
        // call, whose reply goes through it.
        let ctx = local(
            if self.requests().any(|handler| {
                handler.takes_context()
                    || (handler.kind == Kind::Call && handler.reply_to().is_none())
            }) {
                "ctx"
            } else {
                "_ctx"
            },
        );
        // As for `info`, an `async move` block keeps the message once.
        quote! {
            fn handle(
                &mut self,
                message: Self::Message,
                #ctx: &mut #private::Context<Self>,
            ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
                async move {
                    match message {
                        #(#arms)*
                        #phantom
                    }
                }
            }
        }
    }

    /// The `when_disconnected` hooks, when some request does not simply run:
    /// which policy each variant has, whether its caller gave up, and how
    /// to answer it without running the handler.
    fn policy_methods(&self) -> TokenStream {
        let Self {
            private, message, ..
        } = self;
        let error = local("error");
        let policy = |handler: &Handler| handler.when_disconnected.unwrap_or(self.default_policy);
        if self
            .requests()
            .all(|handler| policy(handler) == Policy::Run)
        {
            return TokenStream::new();
        }
        let mut policies = Vec::new();
        let mut abandoned = Vec::new();
        let mut refusals = Vec::new();
        for handler in self.requests() {
            let variant = handler.variant();
            let cfgs = &handler.cfgs;
            let name = match policy(handler) {
                Policy::Run => quote!(Run),
                Policy::Queue => quote!(Queue),
                Policy::Reject => quote!(Reject),
            };
            policies.push(quote! {
                #(#cfgs)*
                #message::#variant { .. } => #private::WhenDisconnected::#name,
            });
            if handler.kind == Kind::Call {
                let (field, _) = reply_field(handler);
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
            fn when_disconnected(message: &Self::Message) -> #private::WhenDisconnected {
                match message {
                    #(#policies)*
                    #phantom
                }
            }

            fn is_abandoned(message: &Self::Message) -> bool {
                match message {
                    #(#abandoned)*
                    #phantom
                }
            }

            fn refuse(message: Self::Message, #error: #private::CallError) {
                match message {
                    #(#refusals)*
                    #phantom_owned
                }
            }
        }
    }

    /// `Self::handler(self, <args in declared order>).await`, spanned at the
    /// handler so a type mismatch points at the user's method. `value` is
    /// what the single value parameter of a lifecycle handler receives;
    /// request handlers receive their fields by name.
    fn forward(&self, handler: &Handler, value: TokenStream) -> TokenStream {
        let future = self.handler_future_with(handler, value);
        let span = handler.ident().span();
        quote_spanned! {span=>
            {
                #future.await
            }
        }
    }

    /// `handler_future(Self::handler(self, <fields>))`, a request handler's
    /// future, not awaited.
    fn handler_future(&self, handler: &Handler) -> TokenStream {
        self.handler_future_with(handler, TokenStream::new())
    }

    fn handler_future_with(&self, handler: &Handler, value: TokenStream) -> TokenStream {
        let method = handler.ident();
        let args = handler.params.iter().map(|param| match param {
            Param::Context { .. } => {
                let ctx = local("ctx");
                quote!(#ctx)
            }
            Param::ReplyTo { ident, .. } => quote!(#ident),
            Param::Value { ident, .. } if handler.kind.is_request() => quote!(#ident),
            Param::Value { .. } => value.clone(),
        });
        // Every token at the handler's name: a future that is not `Send`
        // is reported there, once (`handler_future` is checked at the
        // argument, the call and the `.await`, which then share one span).
        let span = method.span();
        let private = respanned(self.private.clone(), span);
        let receiver = receiver_at(span);
        quote_spanned! {span=>
            #private::handler_future(Self::#method(#receiver, #(#args),*))
        }
    }
}

/// `self` for the body of a generated method, reported at `span`: named as
/// the method's signature names it (the attribute's call site), even when
/// the handler's tokens come from elsewhere (a `macro_rules!` argument).
fn receiver_at(span: proc_macro2::Span) -> syn::token::SelfValue {
    syn::token::SelfValue {
        span: proc_macro2::Span::call_site().located_at(span),
    }
}

/// The name of a generated method's context parameter: `_ctx` when the
/// handler it forwards to does not take the context, so that nothing has
/// to be written to use it.
fn ctx_param(handler: Option<&Handler>) -> Ident {
    local(if handler.is_some_and(Handler::takes_context) {
        "ctx"
    } else {
        "_ctx"
    })
}

/// A local of the generated code: resolved at the macro's own site, so
/// that no name the user gives a parameter can shadow it (nor it theirs).
fn local(name: &str) -> Ident {
    Ident::new(name, proc_macro2::Span::mixed_site())
}

/// The name of a generated lifecycle method's value parameter: `name`, or
/// `_name` when the handler takes no value.
fn value_param(handler: Option<&Handler>, name: &str) -> Ident {
    if handler.is_some_and(|handler| handler.values().next().is_some()) {
        format_ident!("{name}")
    } else {
        format_ident!("_{name}")
    }
}

/// `name: Type` for each value parameter: the variant's fields and the
/// client method's arguments.
fn typed_values(handler: &Handler) -> impl Iterator<Item = TokenStream> + '_ {
    handler.values().map(|(arg, ident)| {
        let ty = &arg.ty;
        quote!(#ident: #ty)
    })
}

/// The type of a lifecycle handler's one value parameter.
fn value_type(handler: &Handler) -> Option<&Type> {
    handler.values().next().map(|(arg, _)| &*arg.ty)
}

/// The reply field of a call variant and the reply type: the `ReplyTo`
/// parameter of a deferred call, else `reply_to` and the return type.
fn reply_field(handler: &Handler) -> (TokenStream, TokenStream) {
    match handler.reply_to() {
        Some((_, ident, reply)) => (quote!(#ident), quote!(#reply)),
        None => {
            let reply = handler
                .output()
                .map_or_else(|| quote!(()), |ty| quote!(#ty));
            (quote!(reply_to), reply)
        }
    }
}

/// How the self type reads in a generated doc comment.
fn type_name(ty: &Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}

/// `ty` with every borrow made `'static`: what a type the validation
/// reported as borrowed stands for in the expansion, so that the block's
/// other handlers, which name it too, give no second error.
fn with_static_borrows(ty: &Type) -> Type {
    let mut ty = ty.clone();
    change_in_type(&mut ty, &|part| {
        if let Type::Reference(reference) = part {
            reference.lifetime = Some(syn::Lifetime::new("'static", reference.and_token.span));
        }
        true
    });
    ty
}

/// The types the connection's task and its callers send each other, as
/// the expansion names them, that a concrete block must check to be
/// `Send`: the connection itself, always first; each request's arguments and reply; the
/// info, connect info and disconnect info. Left out: types reported
/// already (`is_borrowed`), types of a `#[cfg]`'d handler (a where clause
/// cannot be `#[cfg]`'d), and types whose written form is `Send` (`String`,
/// `Vec<u8>`, ..), which would only lengthen the expansion.
fn sent_types(block: &Block, usable: &[bool], self_ty: &Type) -> Vec<Type> {
    let mut types = vec![self_ty.clone()];
    for (handler, _) in block
        .handlers
        .iter()
        .zip(usable)
        .filter(|(handler, usable)| **usable && handler.cfgs.is_empty())
    {
        let values = handler.values().map(|(arg, _)| &*arg.ty);
        match handler.kind {
            Kind::Call | Kind::Cast => {
                // A returned reply is checked where it is sent (`reply`).
                let reply = handler.reply_to().map(|(_, _, reply)| reply);
                types.extend(values.chain(reply).cloned());
            }
            Kind::Connect => types.extend(
                values
                    .filter_map(|ty| single_type_argument(ty, "Attempt"))
                    .cloned(),
            ),
            Kind::Info | Kind::Disconnect => types.extend(values.cloned()),
            _ => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    seen.insert(quote!(#self_ty).to_string());
    let values = types
        .split_off(1)
        .into_iter()
        .filter(|ty| !is_borrowed(ty) && !surely_send(ty) && seen.insert(quote!(#ty).to_string()));
    types.extend(values);
    types
}

/// Whether the `#[info]` or `#[disconnect]` type `ty` becomes the
/// connection's `Info` or `DisconnectInfo` through a newtype
/// ([`Expansion::info_wrappers`]): not `()`, which is public and converts
/// into nothing else, nor a type naming an associated type of one of the
/// block's `type_params` (`C::Frame`), whose `From` impl for the newtype
/// rustc cannot tell apart from the standard `impl<T> From<T> for T`
/// (E0119).
fn gets_newtype(ty: &Type, type_params: &[&Ident]) -> bool {
    !is_unit(ty) && !names_associated_type(ty, type_params)
}

/// Whether `ty` names an associated type of a type parameter:
/// `<C as Trait>::X` or `C::X`.
fn names_associated_type(ty: &Type, type_params: &[&Ident]) -> bool {
    struct Finder<'p> {
        type_params: &'p [&'p Ident],
        found: bool,
    }
    impl VisitMut for Finder<'_> {
        fn visit_type_path_mut(&mut self, path: &mut syn::TypePath) {
            let projection = path.qself.is_some()
                || (path.path.segments.len() > 1
                    && self
                        .type_params
                        .iter()
                        .any(|param| path.path.segments[0].ident == **param));
            self.found |= projection;
            syn::visit_mut::visit_type_path_mut(self, path);
        }
    }
    if type_params.is_empty() {
        return false;
    }
    let mut finder = Finder {
        type_params,
        found: false,
    };
    finder.visit_type_mut(&mut ty.clone());
    finder.found
}

/// `generics` with `for<'__sent> T: Send` for each of `sent`: a bound that
/// holds whenever the block compiles (each is asserted by
/// [`Expansion::send_checks`]), and that, being higher-ranked, rustc takes
/// as an assumption inside the item instead of a fact to check there.
fn assuming_sent(mut generics: Generics, sent: &[Type]) -> Generics {
    if !sent.is_empty() {
        let predicates = &mut generics.make_where_clause().predicates;
        for ty in sent {
            predicates.push(syn::parse_quote!(for<'__sent> #ty: ::core::marker::Send));
        }
    }
    generics
}

/// Whether `ty`'s written form is `Send` whatever its path resolves to:
/// primitives, and the standard owned containers of such types. A user type
/// of the same name only loses the early check, and gets rustc's.
fn surely_send(ty: &Type) -> bool {
    const SEND: &[&str] = &[
        "bool",
        "char",
        "str",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "f32",
        "f64",
        "String",
        "Vec",
        "VecDeque",
        "Option",
        "Result",
        "Box",
        "HashMap",
        "HashSet",
        "BTreeMap",
        "BTreeSet",
        "Duration",
        "Instant",
        "SystemTime",
        "SocketAddr",
        "IpAddr",
        "Ipv4Addr",
        "Ipv6Addr",
        "PathBuf",
        "OsString",
        "Bytes",
        "BytesMut",
    ];
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last().is_some_and(|last| {
            SEND.iter().any(|name| last.ident == name)
                && match &last.arguments {
                    syn::PathArguments::None => true,
                    syn::PathArguments::AngleBracketed(arguments) => {
                        arguments.args.iter().all(|argument| match argument {
                            syn::GenericArgument::Type(ty) => surely_send(ty),
                            syn::GenericArgument::Lifetime(_) => true,
                            _ => false,
                        })
                    }
                    syn::PathArguments::Parenthesized(_) => false,
                }
        }),
        Type::Tuple(tuple) => tuple.elems.iter().all(surely_send),
        Type::Array(array) => surely_send(&array.elem),
        Type::Slice(slice) => surely_send(&slice.elem),
        Type::Paren(paren) => surely_send(&paren.elem),
        Type::Group(group) => surely_send(&group.elem),
        _ => false,
    }
}
