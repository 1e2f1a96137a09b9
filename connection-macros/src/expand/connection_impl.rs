//! `impl ConnectionTypes` and `impl Connection`: the associated types (and
//! the newtypes of the handlers' info types), the lifecycle methods
//! forwarding to the handlers, and the dispatch of a request to its handler.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use super::{braced_at, cfg_none_of, ctx_param, local, receiver_at, value_param};
use crate::model::{Model, Reply, Request, value_type};
use crate::parse::{Handler, Kind, Param, respanned, single_type_argument};

impl Model<'_> {
    pub(super) fn connection_impl(&self) -> TokenStream {
        let allow = self.allow_private_bounds();
        let Self {
            private, self_ty, ..
        } = self;
        let generics = self.assuming_generics();
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        let associated_types = self.associated_types();
        let describe = self.describe_disconnect_method();
        let init = self.init_method();
        let (connect, disconnect) = (self.connect_method(), self.disconnect_method());
        let optional = self.optional_methods();
        let handle = self.handle_method();
        let types = quote!(#associated_types #describe);
        let callbacks = quote! {
            #init
            #connect
            #disconnect
            #handle
            #optional
        };
        // At the block's type: a hand-written impl beside one of these is
        // reported (E0119) there.
        let header = respanned(quote!(impl #impl_generics), self_ty.span());
        let where_clause = respanned(quote!(#where_clause), self_ty.span());
        let types_impl = respanned(quote!(#private::ConnectionTypes for), self_ty.span());
        let connection_impl = respanned(quote!(#private::Connection for), self_ty.span());
        let span = self_ty.span();
        let (types, callbacks) = (braced_at(types, span), braced_at(callbacks, span));
        quote! {
            #[automatically_derived]
            #allow
            #header #types_impl #self_ty #where_clause #types
            #[automatically_derived]
            // The handlers are called here; a deprecated one warns its
            // client method's callers instead.
            #[allow(deprecated)]
            #allow
            #header #connection_impl #self_ty #where_clause #callbacks
        }
    }

    /// `ConnectionTypes`' `type Message`, `Client`, `ConnectInfo`,
    /// `DisconnectInfo`, `Info`: the generated types, the infos' newtypes,
    /// or the handlers' own types.
    fn associated_types(&self) -> TokenStream {
        let Self {
            message, client, ..
        } = self;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let connect_info = match self.wrapped_connect_info() {
            Some(_) => {
                let wrapper = &self.connect_wrapper;
                quote!(#wrapper #ty_generics)
            }
            None => self.connect_info(),
        };
        let lost_wrapper = &self.lost_wrapper;
        let disconnect_info = match (self.disconnect_type(), self.wrapped_disconnect_type()) {
            (_, Some(_)) => quote!(#lost_wrapper #ty_generics),
            (Some(ty), None) => quote!(#ty),
            (None, None) => quote!(()),
        };
        let info = self.info_type_of_impl();
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
        let info_type = match self.info_otherwise() {
            Some(otherwise) => {
                let cfgs = self.info_cfgs();
                quote! {
                    #(#cfgs)*
                    type Info = #info;
                    #otherwise
                    type Info = ::core::convert::Infallible;
                }
            }
            None => quote!(type Info = #info;),
        };
        quote! {
            #message_and_client
            type ConnectInfo = #connect_info;
            type DisconnectInfo = #disconnect_info;
            #info_type
        }
    }

    /// The connection's `Info`: the `#[info]` type's newtype, the type
    /// itself, or `Infallible` without one.
    pub(super) fn info_type_of_impl(&self) -> TokenStream {
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let info_wrapper = &self.info_wrapper;
        match (self.info_type(), self.wrapped_info_type()) {
            (_, Some(_)) => quote!(#info_wrapper #ty_generics),
            (Some(ty), None) => quote!(#ty),
            (None, None) => quote!(::core::convert::Infallible),
        }
    }

    /// `connect`, forwarding to the `#[connect]` handler: one per handler,
    /// under its `#[cfg]` (alternatives each under their own).
    fn connect_method(&self) -> TokenStream {
        let private = &self.private;
        // The handler's own info out of the newtype.
        let attempt_value = if self.wrapped_connect_info().is_some() {
            quote!(#private::attempt_inner(attempt, |info| info.0))
        } else {
            quote!(attempt)
        };
        self.lifecycle_methods(Kind::Connect, attempt_value, |handler| {
            let (attempt, ctx) = (value_param(handler, "attempt"), ctx_param(handler));
            quote! {
                async fn connect(
                    &mut self,
                    #attempt: #private::Attempt<Self::ConnectInfo>,
                    #ctx: &mut #private::Context<Self>,
                ) -> #private::Connect
            }
        })
    }

    /// `disconnect`, forwarding to the `#[disconnect]` handler, as
    /// [`connect_method`](Self::connect_method).
    fn disconnect_method(&self) -> TokenStream {
        let private = &self.private;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let lost_wrapper = &self.lost_wrapper;
        let (disconnect_info, lost_value) =
            match (self.disconnect_type(), self.wrapped_disconnect_type()) {
                // The handler's own value out of the newtype.
                (_, Some(_)) => (quote!(#lost_wrapper #ty_generics), quote!(info.0)),
                (Some(ty), None) => (quote!(#ty), quote!(info)),
                (None, None) => (quote!(()), quote!(info)),
            };
        self.lifecycle_methods(Kind::Disconnect, lost_value, |handler| {
            let (lost, ctx) = (value_param(handler, "info"), ctx_param(handler));
            quote! {
                async fn disconnect(
                    &mut self,
                    #lost: #disconnect_info,
                    #ctx: &mut #private::Context<Self>,
                ) -> #private::Disconnect<Self::ConnectInfo>
            }
        })
    }

    /// `info`, `timeout`, `flush` and `terminate`, each overriding the
    /// trait's default where its handler is: one override per handler,
    /// under its `#[cfg]` (alternatives each under their own; a handler
    /// compiled out leaves the default).
    fn optional_methods(&self) -> TokenStream {
        let private = &self.private;
        let info = self.info_type_of_impl();
        let info_method = self.usable(Kind::Info).map(|handler| {
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
        quote! {
            #(#info_method)*
            #(#timeout)*
            #(#flush)*
            #(#terminate)*
        }
    }

    /// Newtypes of the `#[info]`, `#[disconnect]` and connect info types,
    /// for the connection's `Info`, `DisconnectInfo` and `ConnectInfo`: an
    /// associated type of a
    /// public impl must be as visible as the impl (E0446), and those types
    /// are often private to their module (what the connection's own reader
    /// feeds it). A newtype is public with a private field. The runtime
    /// takes `impl Into<..>` wherever a user hands it one of them.
    pub(super) fn info_wrappers(&self) -> TokenStream {
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
        // The handler's type under its `#[cfg]`s (its type may be gated
        // too); for `#[cfg]` alternatives of other types, one newtype under
        // each alternative's.
        let wrappers = |wrapper: &Ident,
                        single: Option<&Type>,
                        cfgs: &[syn::Attribute],
                        by_cfg: &[(Vec<syn::Attribute>, Type)],
                        what: &str| {
            if by_cfg.is_empty() {
                return single
                    .map(|ty| wrap(wrapper, ty, what, cfgs))
                    .unwrap_or_default();
            }
            let each = by_cfg
                .iter()
                .map(|(cfgs, ty)| wrap(wrapper, ty, what, cfgs));
            quote!(#(#each)*)
        };
        let infos = &self.infos;
        let (info_type, info_cfgs) = (self.wrapped_info_type(), self.info_cfgs());
        let info = wrappers(
            info_wrapper,
            info_type,
            &info_cfgs,
            &infos.info_by_cfg,
            "`Info`",
        );
        let lost = wrappers(
            lost_wrapper,
            self.wrapped_disconnect_type(),
            &[],
            &infos.disconnect_by_cfg,
            "`DisconnectInfo`",
        );
        let connect = wrappers(
            &self.connect_wrapper,
            self.wrapped_connect_info(),
            &[],
            &infos.connect_by_cfg,
            "`ConnectInfo`",
        );
        quote!(#info #lost #connect)
    }

    /// The trait's `connect` or `disconnect`: for each usable handler of
    /// `kind`, under its `#[cfg]`, `signature(handler)` forwarding `value`
    /// to it; without one (missing or broken: the block has a compile error
    /// already), a stub that never runs.
    pub(super) fn lifecycle_methods(
        &self,
        kind: Kind,
        value: TokenStream,
        signature: impl Fn(Option<&Handler>) -> TokenStream,
    ) -> TokenStream {
        let mut methods = self.usable(kind).peekable();
        if methods.peek().is_none() {
            let signature = signature(None);
            return quote! {
                #signature {
                    ::core::unreachable!("`#[connection]` reported an error for this block")
                }
            };
        }
        let methods = methods.map(|handler| {
            let call = self.forward(handler, value.clone());
            let body = if kind == Kind::Disconnect {
                self.checked_connect_info(handler, call, "Disconnect", "disconnect_outcome")
            } else {
                call
            };
            let (cfgs, signature) = (&handler.cfgs, signature(Some(handler)));
            quote!(#(#cfgs)* #signature #body)
        });
        quote!(#(#methods)*)
    }

    /// `call`, the `#[init]` or `#[disconnect]` handler's outcome, through
    /// the runtime's `init_outcome`/`disconnect_outcome` with the connect
    /// info type the handler names (`A` of `Init<A>`), spelled from its
    /// token: a type other than the `#[connect]` handler's is reported
    /// there, saying which handler fixed it.
    pub(super) fn checked_connect_info(
        &self,
        handler: &Handler,
        call: TokenStream,
        outcome: &str,
        check: &str,
    ) -> TokenStream {
        // What the trait's method returns: the newtype, or the type itself.
        let wrapped = self.wrapped_connect_info().is_some();
        let target = if wrapped {
            quote!(Self::ConnectInfo)
        } else {
            self.connect_info()
        };
        let info = handler
            .output()
            .and_then(|ty| single_type_argument(ty, outcome));
        if !self.infos.connect_by_cfg.is_empty() {
            // Connect infos of other types under other `#[cfg]`s: the
            // newtype converts from the one compiled in alongside.
            let Some(info) = info else {
                let private = &self.private;
                let check = Ident::new(check, proc_macro2::Span::call_site());
                return quote!({ #private::#check::<_, _, #target>(#call) });
            };
            // Reported on the handler's type when it is not the one compiled in.
            let span = info.span();
            let private = respanned(self.private.clone(), span);
            let check = Ident::new(check, span);
            return quote_spanned!(span=> { #private::#check::<#info, #info, #target>(#call) });
        }
        // Both named: left to inference, the one impl would fix `I = A`.
        let connect_info = self.connect_info();
        let Some(info) = info else {
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

    /// `init`: the `#[init]` handler's, one per handler under its `#[cfg]`
    /// (alternatives each under their own), and the default where every
    /// one is compiled out (or without one).
    pub(super) fn init_method(&self) -> TokenStream {
        let private = &self.private;
        let handlers: Vec<&Handler> = self.usable(Kind::Init).collect();
        let signature = |handler: Option<&Handler>| {
            let ctx = ctx_param(handler);
            quote! {
                async fn init(&mut self, #ctx: &mut #private::Context<Self>) -> #private::Init<Self::ConnectInfo>
            }
        };
        let gated = handlers.iter().map(|handler| {
            let (cfgs, signature) = (&handler.cfgs, signature(Some(handler)));
            let body = self.init_body(Some(handler));
            quote!(#(#cfgs)* #signature #body)
        });
        let default = match &handlers[..] {
            [] => None,
            [only] if only.cfgs.is_empty() => return quote!(#(#gated)*),
            _ => Some(cfg_none_of(&handlers)),
        };
        let signature = signature(None);
        if self.infos.connect_by_cfg.is_empty() {
            let body = self.init_body(None);
            return quote! {
                #(#gated)*
                #default
                #signature #body
            };
        }
        // Connect infos of other types under other `#[cfg]`s: the default
        // is that of the one compiled in, under its `#[cfg]`s too.
        let broken = handlers.is_empty() && self.first(Kind::Init).is_some();
        let defaults = self.infos.connect_by_cfg.iter().map(|(cfgs, ty)| {
            let body = if broken {
                self.init_body(None)
            } else {
                self.default_init_body(quote!(#ty), syn::spanned::Spanned::span(ty))
            };
            quote!(#default #(#cfgs)* #signature #body)
        });
        quote! {
            #(#gated)*
            #(#defaults)*
        }
    }

    /// The body of `init`: the usable `#[init]` handler's, else the default.
    pub(super) fn init_body(&self, handler: Option<&Handler>) -> TokenStream {
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
            self.default_init_body(self.connect_info(), info_span)
        }
    }

    /// The body of the default `init` (no `#[init]`): connect with
    /// `connect_info`'s default, reported at `info_span` for a type without
    /// one.
    fn default_init_body(
        &self,
        connect_info: TokenStream,
        info_span: proc_macro2::Span,
    ) -> TokenStream {
        let private = &self.private;
        // The type named, not inferred: with a second impl of the trait
        // (reported), `Self::ConnectInfo` would be ambiguous.
        let connect_info = respanned(connect_info, info_span);
        let default =
            quote_spanned!(info_span=> <#connect_info as #private::FirstConnectInfo>::first());
        let default = if self.wrapped_connect_info().is_some() {
            quote_spanned!(info_span=> ::core::convert::From::from(#default))
        } else {
            default
        };
        quote!({ #private::Init::Connect(#default) })
    }

    /// What the runtime's trace events (and a link's last failure) say of a
    /// disconnect's info: its `Display`, else its `Debug`, when its type has
    /// one (found by autoref on the concrete type; a type parameter has none
    /// known here).
    pub(super) fn describe_disconnect_method(&self) -> TokenStream {
        let private = &self.private;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let lost_wrapper = &self.lost_wrapper;
        // The types named, not `Self::..`: with a second impl of the trait
        // (reported), those would be ambiguous, and `info.0` an error more.
        let disconnect = self.wrapped_disconnect_type().map(|_| {
            quote! {
                fn describe_disconnect(
                    info: &#lost_wrapper #ty_generics,
                ) -> ::core::option::Option<::std::string::String> {
                    #[allow(unused_imports)]
                    use #private::{DescribeByDebug as _, DescribeByDisplay as _, DescribeByNothing as _};
                    (&&#private::Describe(&info.0)).describe()
                }
            }
        });
        quote!(#disconnect)
    }

    /// The dispatch `match`: each variant calls its handler and, for a plain
    /// call, sends the handler's return value as the reply.
    pub(super) fn handle_method(&self) -> TokenStream {
        let Self {
            private, message, ..
        } = self;
        let arms = self.requests().map(|request| self.dispatch_arm(request));
        let phantom = (!self.type_params().is_empty())
            .then(|| quote!(#message::__Phantom(never, _) => match never {},));
        // The context is used by a handler that takes it, and by every plain
        // call, whose reply goes through it.
        let ctx = local(
            if self.requests().any(|request| {
                request.handler.takes_context()
                    || matches!(request.reply, Reply::Returned(_) | Reply::Spawned(_))
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

    /// One arm of the dispatch: the request's variant calls its handler
    /// and, for a plain call, sends what it returns as the reply.
    fn dispatch_arm(&self, request: &Request<'_>) -> TokenStream {
        let Self {
            private, message, ..
        } = self;
        let ctx_local = local("ctx");
        let Request {
            handler,
            variant,
            fields,
            ..
        } = request;
        let cfgs = &handler.cfgs;
        let span = handler.ident().span();
        let call = self.forward(handler, TokenStream::new());
        // A call answered with what its handler gives: the `ReplyTo` waits
        // inside the handler's future (checked `Send` at the handler's
        // name), never in the dispatch's, through `wrap`; `then` answers
        // with what the future gave. The handler's future borrows `ctx`, so
        // it completes before the reply takes `ctx` again.
        let answered = |wrap: TokenStream, then: TokenStream| {
            let future = self.handler_future(handler);
            quote_spanned! {span=>
                #message::#variant { #(#fields,)* reply_to } => {
                    let future = #future;
                    let (reply_to, answer) = #wrap(reply_to, future).await;
                    #then(#ctx_local, reply_to, answer);
                }
            }
        };
        let arm = match request.reply {
            // Every check at the handler's name, as its future's: rustc
            // reports a bound that fails at one place once, so a future or
            // a reply that is not `Send` is one error.
            Reply::Returned(Some(output)) => answered(
                respanned(quote!(#private::answering::<#output, _>), span),
                respanned(quote!(#private::send_reply), span),
            ),
            Reply::Returned(None) => quote_spanned! {span=>
                #message::#variant { #(#fields,)* reply_to } => {
                    let () = #call;
                    #private::send_reply(#ctx_local, reply_to, ());
                }
            },
            // The handler's future gives the future to run on a task: one
            // that is not `Send` is reported at the handler's name, one that
            // borrows the connection from the name to the return type.
            Reply::Spawned(_) => {
                // A future named without its output (`BoxFuture<'static,
                // R>`) that is no future is reported at the name, once with
                // the client method's return type.
                let returned = handler
                    .named_future_at()
                    .or_else(|| handler.output().map(Spanned::span))
                    .unwrap_or(span);
                answered(
                    // The answer's type is the `ReplyTo`'s: named once, in the
                    // variant, where one that is no type is reported.
                    respanned(quote!(#private::spawning), span),
                    respanned(quote!(#private::reply_from_task), returned),
                )
            }
            Reply::Deferred(field, _) => quote_spanned! {span=>
                #message::#variant { #(#fields,)* #field } => #call,
            },
            Reply::None => quote_spanned! {span=>
                #message::#variant { #(#fields,)* } => #call,
            },
        };
        quote! {
            #(#cfgs)*
            #arm
        }
    }

    /// `Self::handler(self, <args in declared order>).await`, spanned at the
    /// handler so a type mismatch points at the user's method. `value` is
    /// what the single value parameter of a lifecycle handler receives;
    /// request handlers receive their fields by name.
    pub(super) fn forward(&self, handler: &Handler, value: TokenStream) -> TokenStream {
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
    pub(super) fn handler_future(&self, handler: &Handler) -> TokenStream {
        self.handler_future_with(handler, TokenStream::new())
    }

    pub(super) fn handler_future_with(&self, handler: &Handler, value: TokenStream) -> TokenStream {
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
