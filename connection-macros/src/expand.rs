//! Code generation for a validated block. Infallible: every rule was checked
//! by `validate`.
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
//! Output, in this order (each item from one function below):
//!
//! ```text
//! impl Tcp { /* as written, markers removed */ }
//! pub enum TcpMessage { Send { data: Vec<u8>, reply_to: ReplyTo<io::Result<()>> } }
//! pub struct TcpClient { client: Client<Tcp> }
//! impl TcpClient { pub async fn send(&self, data: Vec<u8>) -> Result<io::Result<()>, CallError> { .. } }
//! impl Deref for TcpClient { type Target = Client<Tcp>; .. }
//! impl Tcp { pub async fn start(self) -> ..; pub async fn start_with(self, options: Options) -> .. }
//! impl Connection for Tcp { type Message = TcpMessage; ..; async fn handle(..) { match message { .. } } }
//! ```

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Path, Type};

use crate::parse::{Block, Handler, Kind, Options, Param, single_type_argument};

pub(crate) struct Expansion<'a> {
    block: &'a Block,
    /// `::connection::__private`, or `<crate option>::__private`.
    private: TokenStream,
    self_ty: &'a Type,
    message: Ident,
    client: Ident,
}

impl<'a> Expansion<'a> {
    pub(crate) fn new(block: &'a Block, options: &Options, self_ident: &Ident) -> Self {
        let krate = options
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::connection));
        let message = options
            .message
            .clone()
            .unwrap_or_else(|| format_ident!("{}Message", self_ident));
        let client = options
            .client
            .clone()
            .unwrap_or_else(|| format_ident!("{}Client", self_ident));
        Expansion {
            block,
            private: private_path(&krate),
            self_ty: &block.item.self_ty,
            message,
            client,
        }
    }

    pub(crate) fn expand(&self) -> TokenStream {
        let item = &self.block.item;
        let message_enum = self.message_enum();
        let client_struct = self.client_struct();
        let client_methods = self.client_methods();
        let client_impls = self.client_trait_impls();
        let start = self.start_methods();
        let connection_impl = self.connection_impl();
        quote! {
            #item
            #message_enum
            #client_struct
            #client_methods
            #client_impls
            #start
            #connection_impl
        }
    }

    fn requests(&self) -> impl Iterator<Item = &'a Handler> {
        self.block
            .handlers
            .iter()
            .filter(|handler| handler.kind.is_request())
    }

    fn message_enum(&self) -> TokenStream {
        let Self {
            private,
            self_ty,
            message,
            ..
        } = self;
        let variants = self.requests().map(|handler| {
            let variant = handler.variant();
            let cfgs = &handler.cfgs;
            let fields = typed_values(handler);
            let reply = match handler.kind {
                Kind::Call => {
                    let (field, reply) = reply_field(handler);
                    Some(quote!(#field: #private::ReplyTo<#reply>))
                }
                _ => None,
            };
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
        let doc = format!(
            "The requests a `{}` handles: one variant per `#[call]` and `#[cast]` handler.",
            type_name(self_ty)
        );
        quote! {
            #[doc = #doc]
            #[allow(missing_docs)] // fields are the handlers' own parameters
            pub enum #message {
                #(#variants,)*
            }
        }
    }

    fn client_struct(&self) -> TokenStream {
        let Self {
            private,
            self_ty,
            client,
            ..
        } = self;
        let doc = format!(
            "A handle to a running `{0}` connection, returned by `{0}::start`. \
             Cloning is cheap; the connection stops once every clone is dropped. \
             Besides one method per request it has the runtime client's `stop`, `stopped` and \
             `is_alive`, and converts to and from the generic `connection::Client`.",
            type_name(self_ty),
        );
        quote! {
            #[doc = #doc]
            #[derive(::core::clone::Clone, ::core::fmt::Debug)]
            pub struct #client {
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
            let args = typed_values(handler);
            let fields: Vec<_> = handler.values().map(|(_, ident)| ident).collect();
            let body = match handler.kind {
                Kind::Call => {
                    let (field, reply) = reply_field(handler);
                    quote_spanned! {span=>
                        -> ::core::result::Result<#reply, #private::CallError> {
                            self.client
                                .call(|#field| #message::#variant { #(#fields,)* #field })
                                .await
                        }
                    }
                }
                _ => quote_spanned! {span=>
                    -> ::core::result::Result<(), #private::CallError> {
                        self.client.cast(#message::#variant { #(#fields,)* }).await
                    }
                },
            };
            quote! {
                #docs
                #(#cfgs)*
                pub async fn #method(&self, #(#args),*) #body
            }
        });
        let lifecycle = self.client_lifecycle_methods();
        quote! {
            impl #client {
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
            private, self_ty, ..
        } = self;
        let info = self.block.handler(Kind::Info).map(|handler| {
            let ty = value_type(handler);
            quote! {
                /// Delivers `info` to the `#[info]` handler, waiting for mailbox space
                /// for at most this client's timeout.
                ///
                /// # Errors
                ///
                /// When the mailbox stays full, or the connection has stopped.
                pub async fn info(&self, info: #ty) -> ::core::result::Result<(), #private::CallError> {
                    self.client.info(info).await
                }

                /// Delivers `info` to the `#[info]` handler if the mailbox has room now.
                ///
                /// # Errors
                ///
                /// When the mailbox is full, or the connection has stopped.
                pub fn try_info(&self, info: #ty) -> ::core::result::Result<(), #private::CallError> {
                    self.client.try_info(info)
                }

                /// A sender to the `#[info]` handler that does not keep the connection alive.
                #[allow(private_interfaces)] // the connection type may be private; the sender stays usable
                pub fn info_sender(&self) -> #private::InfoSender<#self_ty> {
                    self.client.info_sender()
                }
            }
        });
        quote! {
            #info

            /// Asks the connection to stop with `reason` once the requests queued before
            /// this one are handled, and waits until `terminate` has run.
            ///
            /// # Errors
            ///
            /// When the connection had already stopped, or the stop timed out.
            pub async fn stop(&self, reason: #private::Stop) -> ::core::result::Result<(), #private::CallError> {
                self.client.stop(reason).await
            }

            /// Waits until the connection has stopped, and returns why.
            pub async fn stopped(&self) -> #private::Stop {
                self.client.stopped().await
            }

            /// Whether the connection is still running.
            #[must_use]
            pub fn is_alive(&self) -> bool {
                self.client.is_alive()
            }

            /// The timeout that bounds each request of this client.
            #[must_use]
            pub fn timeout(&self) -> ::core::time::Duration {
                self.client.timeout()
            }

            /// A clone of this client whose requests time out after `timeout`.
            #[must_use]
            pub fn with_timeout(&self, timeout: ::core::time::Duration) -> Self {
                Self { client: self.client.with_timeout(timeout) }
            }
        }
    }

    fn client_trait_impls(&self) -> TokenStream {
        let Self {
            private,
            self_ty,
            client,
            ..
        } = self;
        quote! {
            #[automatically_derived]
            impl ::core::convert::AsRef<#private::Client<#self_ty>> for #client {
                fn as_ref(&self) -> &#private::Client<#self_ty> {
                    &self.client
                }
            }

            #[automatically_derived]
            impl ::core::convert::From<#private::Client<#self_ty>> for #client {
                fn from(client: #private::Client<#self_ty>) -> Self {
                    Self { client }
                }
            }

            #[automatically_derived]
            impl ::core::convert::From<#client> for #private::Client<#self_ty> {
                fn from(client: #client) -> Self {
                    client.client
                }
            }
        }
    }

    fn start_methods(&self) -> TokenStream {
        let Self {
            private,
            self_ty,
            client,
            ..
        } = self;
        quote! {
            impl #self_ty {
                /// Starts the connection on a new tokio task with default options, and
                /// returns its client once `init` has returned.
                ///
                /// # Errors
                ///
                /// When `init` stops, panics or times out.
                pub async fn start(self) -> ::core::result::Result<#client, #private::StartError> {
                    #private::start(self, #private::Options::default()).await
                }

                /// Starts the connection with `options`, and returns its client once
                /// `init` has returned.
                ///
                /// # Errors
                ///
                /// When `init` stops, panics or times out.
                pub async fn start_with(
                    self,
                    options: #private::Options,
                ) -> ::core::result::Result<#client, #private::StartError> {
                    #private::start(self, options).await
                }
            }
        }
    }

    fn connection_impl(&self) -> TokenStream {
        let Self {
            private,
            self_ty,
            message,
            client,
            ..
        } = self;
        let connect_info = self.connect_info();
        let disconnect_info = self.block.handler(Kind::Disconnect).map_or_else(
            || quote!(()),
            |handler| value_type(handler).map_or_else(|| quote!(()), |ty| quote!(#ty)),
        );
        let info = self.block.handler(Kind::Info).map_or_else(
            || quote!(::core::convert::Infallible),
            |handler| value_type(handler).map_or_else(|| quote!(()), |ty| quote!(#ty)),
        );
        let init = self.init_method(&connect_info);
        let connect = self.block.handler(Kind::Connect).map(|handler| {
            let call = self.forward(handler, quote!(attempt));
            quote! {
                async fn connect(
                    &mut self,
                    attempt: #private::Attempt<#connect_info>,
                    ctx: &mut #private::Context<Self>,
                ) -> #private::Connect {
                    #call
                }
            }
        });
        let disconnect = self.block.handler(Kind::Disconnect).map(|handler| {
            let call = self.forward(handler, quote!(info));
            quote! {
                async fn disconnect(
                    &mut self,
                    info: #disconnect_info,
                    ctx: &mut #private::Context<Self>,
                ) -> #private::Disconnect<#connect_info> {
                    #call
                }
            }
        });
        let info_method = self.block.handler(Kind::Info).map(|handler| {
            let call = self.forward(handler, quote!(info));
            quote! {
                async fn info(&mut self, info: #info, ctx: &mut #private::Context<Self>) {
                    #call
                }
            }
        });
        let timeout = self.block.handler(Kind::Timeout).map(|handler| {
            let call = self.forward(handler, TokenStream::new());
            quote! {
                async fn timeout(&mut self, ctx: &mut #private::Context<Self>) {
                    #call
                }
            }
        });
        let terminate = self.block.handler(Kind::Terminate).map(|handler| {
            let call = self.forward(handler, quote!(reason));
            quote! {
                async fn terminate(&mut self, reason: &#private::Stop) {
                    #call
                }
            }
        });
        let handle = self.handle_method();
        quote! {
            #[automatically_derived]
            impl #private::Connection for #self_ty {
                type Message = #message;
                type ConnectInfo = #connect_info;
                type DisconnectInfo = #disconnect_info;
                type Info = #info;
                type Client = #client;

                #init
                #connect
                #disconnect
                #handle
                #info_method
                #timeout
                #terminate
            }
        }
    }

    /// The connect info type: `I` in the connect handler's `Attempt<I>`.
    fn connect_info(&self) -> TokenStream {
        self.block
            .handler(Kind::Connect)
            .and_then(value_type)
            .and_then(|ty| single_type_argument(ty, "Attempt"))
            .map_or_else(|| quote!(()), |ty| quote!(#ty))
    }

    fn init_method(&self, connect_info: &TokenStream) -> TokenStream {
        let private = &self.private;
        let body = match self.block.handler(Kind::Init) {
            Some(handler) => self.forward(handler, TokenStream::new()),
            // Without `#[init]`, connect at once, as the original's examples do.
            None => quote! {
                #private::Init::Connect(::core::default::Default::default())
            },
        };
        quote! {
            async fn init(&mut self) -> #private::Init<#connect_info> {
                #body
            }
        }
    }

    /// The dispatch `match`: each variant calls its handler and, for a plain
    /// call, sends the handler's return value as the reply.
    fn handle_method(&self) -> TokenStream {
        let Self {
            private, message, ..
        } = self;
        let arms = self.requests().map(|handler| {
            let variant = handler.variant();
            let cfgs = &handler.cfgs;
            let fields: Vec<_> = handler.values().map(|(_, ident)| ident).collect();
            let span = handler.ident().span();
            let arm = match (handler.kind, handler.reply_to()) {
                (Kind::Call, None) => {
                    let call = self.forward(handler, TokenStream::new());
                    // The handler's future borrows `ctx`, so it completes
                    // before the reply takes `ctx` again.
                    let (run, reply) = match handler.output() {
                        Some(_) => (quote_spanned!(span=> let reply = #call;), quote!(reply)),
                        None => (quote_spanned!(span=> #call;), quote!(())),
                    };
                    quote_spanned! {span=>
                        #message::#variant { #(#fields,)* reply_to } => {
                            #run
                            #private::reply(ctx, reply_to, #reply);
                        }
                    }
                }
                (Kind::Call, Some((_, field, _))) => {
                    let call = self.forward(handler, TokenStream::new());
                    quote_spanned! {span=>
                        #message::#variant { #(#fields,)* #field } => #call,
                    }
                }
                _ => {
                    let call = self.forward(handler, TokenStream::new());
                    quote_spanned! {span=>
                        #message::#variant { #(#fields,)* } => #call,
                    }
                }
            };
            quote! {
                #(#cfgs)*
                #arm
            }
        });
        quote! {
            async fn handle(&mut self, message: #message, ctx: &mut #private::Context<Self>) {
                match message {
                    #(#arms)*
                }
            }
        }
    }

    /// `Self::handler(self, <args in declared order>).await`, spanned at the
    /// handler so a type mismatch points at the user's method. `value` is
    /// what the single value parameter of a lifecycle handler receives;
    /// request handlers receive their fields by name.
    fn forward(&self, handler: &Handler, value: TokenStream) -> TokenStream {
        let method = handler.ident();
        let args = handler.params.iter().map(|param| match param {
            Param::Context { .. } => quote!(ctx),
            Param::ReplyTo { ident, .. } => quote!(#ident),
            Param::Value { ident, .. } if handler.kind.is_request() => quote!(#ident),
            Param::Value { .. } => value.clone(),
        });
        let ctx_unused = (!handler.takes_context()
            && !matches!(handler.kind, Kind::Init | Kind::Terminate))
        .then(|| quote!(let _ = &ctx;));
        let value_unused = (!value.is_empty() && handler.values().next().is_none())
            .then(|| quote!(let _ = &#value;));
        let span = handler.method.sig.span();
        quote_spanned! {span=>
            {
                #ctx_unused
                #value_unused
                Self::#method(self, #(#args),*).await
            }
        }
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

fn private_path(krate: &Path) -> TokenStream {
    let span = Span::call_site();
    quote_spanned!(span=> #krate::__private)
}

/// How the self type reads in a generated doc comment.
fn type_name(ty: &Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}
