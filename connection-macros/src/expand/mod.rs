//! Code generation from the [`Model`] `validate` returns. Infallible: the
//! model holds only the usable handlers' requests, and only those are
//! called from generated code. A lifecycle handler that is
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
//! Output, in this order (each item from one method on the `Model`):
//!
//! ```text
//! impl Tcp { /* as written, markers removed */ pub async fn start(self) -> ..; pub async fn start_with(self, options: Options) -> .. }
//! pub enum TcpMessage { Send { data: Vec<u8>, reply_to: ReplyTo<io::Result<()>> } }
//! pub struct TcpClient { client: Client<Tcp> }
//! impl TcpClient { pub async fn send(&self, data: Vec<u8>) -> Result<io::Result<()>, CallError>; stop; stopped; .. }
//! impl Clone, Debug, AsRef<Client<Tcp>>, From<Client<Tcp>> for TcpClient; From<TcpClient> for Client<Tcp>
//! impl ConnectionTypes for Tcp { type Message = TcpMessage; ..; fn describe_disconnect(..) }
//! impl Connection for Tcp { async fn connect(..); ..; fn handle(..) -> impl Future { async move { match message { .. } } } }
//! const _: () = { fn check() { let () = <Tcp as MovedToTask>::CHECKED; .. } }; // checks on the user's tokens
//! ```
//!
//! Each item comes from its own file: `message.rs` (the enum), `client.rs`
//! (the client and `start`), `connection_impl.rs` (the trait impl and the
//! info newtypes), `checks.rs` (what is checked by type, and how a fault is
//! reported once on the user's token).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{Generics, Type};

use crate::model::{Model, Request};
use crate::parse::{Handler, Kind};

mod checks;
mod client;
mod connection_impl;
mod message;

use checks::assuming_sent;

impl Model<'_> {
    /// The generics of the client, `start` and the trait impls: the
    /// block's, with the [`Send` assumptions](Self::assumed).
    fn assuming_generics(&self) -> Generics {
        assuming_sent(self.generics.clone(), &self.assumed())
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

    /// Bounds the `impl Future` each `#[call(spawn)]` handler returns by
    /// `OwnedBySpawnedTask` (`'static`), unless it says `'static` itself:
    /// the future runs on a task of its own, but an `impl Trait` in a
    /// method's return type captures `&mut self`'s lifetime unless told.
    /// Spanned at the end of the user's type, where a future that borrows
    /// the connection is reported, naming the trait. `Send` is the future's
    /// own (an `impl Trait` leaks it), checked where it is spawned.
    fn spawned_futures_owned(&self, item: &mut syn::ItemImpl) {
        let private = &self.private;
        // The block's methods are matched to their handlers (which hold
        // copies) by signature.
        let spawned: Vec<String> = self
            .block
            .handlers
            .iter()
            .filter(|handler| handler.spawn.is_some())
            .map(|handler| handler.method.sig.to_token_stream().to_string())
            .collect();
        for impl_item in &mut item.items {
            let syn::ImplItem::Fn(method) = impl_item else {
                continue;
            };
            if !spawned.contains(&method.sig.to_token_stream().to_string()) {
                continue;
            }
            let syn::ReturnType::Type(_, ty) = &mut method.sig.output else {
                continue;
            };
            let Some(opaque) = impl_trait(ty) else {
                continue;
            };
            if opaque.bounds.iter().any(is_static) {
                continue;
            }
            let end = opaque.to_token_stream().into_iter().last();
            let span = end.map_or_else(Span::call_site, |token| token.span());
            opaque
                .bounds
                .push(syn::parse_quote_spanned!(span=> #private::OwnedBySpawnedTask));
        }
    }

    pub(crate) fn expand(&self) -> TokenStream {
        let mut item = self.block.item.clone();
        // The handlers run on the connection's task, and those that take
        // the context name `Context<Self>`, which asks `Self: Connection`:
        // the block gets the bounds its type parameters have there, each at
        // its parameter (where `start` on a type that is not `Send` points).
        let params: Vec<Ident> = item
            .generics
            .type_params()
            .map(|param| param.ident.clone())
            .collect();
        if !params.is_empty() {
            let predicates = &mut item.generics.make_where_clause().predicates;
            for param in params {
                predicates.push(syn::parse_quote_spanned! {param.span()=>
                    #param: ::core::marker::Send + 'static
                });
            }
        }
        self.spawned_futures_owned(&mut item);
        item.generics = assuming_sent(item.generics, &self.assumed());
        item.attrs.extend(self.allow_private_bounds());
        item.items.extend(self.start_methods());
        let checks = self.checks();
        let message_enum = self.message_enum();
        let client_struct = self.client_struct();
        let client_methods = self.client_methods();
        let client_impls = self.client_trait_impls();
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
            #connection_impl
            #info_wrappers
            #checks
        }
    }

    /// The `#[disconnect]` type, if the handler takes one the task can
    /// hold (a borrowed one was reported; `()` stands in for it).
    fn disconnect_type(&self) -> Option<&Type> {
        self.infos.disconnect.as_ref()
    }

    /// The `#[disconnect]` type, when it gets a newtype.
    fn wrapped_disconnect_type(&self) -> Option<&Type> {
        self.disconnect_type()
            .filter(|_| self.infos.disconnect_newtype)
    }

    /// The connect info type, when it gets a newtype.
    fn wrapped_connect_info(&self) -> Option<&Type> {
        self.infos.connect_newtype.then_some(&self.infos.connect)
    }

    /// The `#[info]` type, when it gets a newtype.
    fn wrapped_info_type(&self) -> Option<&Type> {
        self.info_type().filter(|_| self.infos.info_newtype)
    }

    /// The `#[cfg]`s under which the block has an `#[info]` handler: the
    /// handler's own, or for alternatives, any of theirs.
    fn info_cfgs(&self) -> Vec<syn::Attribute> {
        let handlers: Vec<&Handler> = self.usable(Kind::Info).collect();
        match &handlers[..] {
            [] => self
                .first(Kind::Info)
                .map(|handler| handler.cfgs.clone())
                .unwrap_or_default(),
            [only] => only.cfgs.clone(),
            several => vec![cfg_any_of(several)],
        }
    }

    /// Where every `#[info]` handler is compiled out, when they are gated.
    fn info_otherwise(&self) -> Option<syn::Attribute> {
        let handlers: Vec<&Handler> = self.usable(Kind::Info).collect();
        let gated = !handlers.is_empty() && handlers.iter().all(|handler| !handler.cfgs.is_empty());
        gated.then(|| cfg_none_of(&handlers))
    }

    /// The usable handlers of `kind`.
    fn usable(&self, kind: Kind) -> impl Iterator<Item = &Handler> + '_ {
        self.block
            .handlers
            .iter()
            .zip(&self.usable)
            .filter(move |(handler, usable)| **usable && handler.kind == kind)
            .map(|(handler, _)| handler)
    }

    /// The usable calls and casts, as planned: see [`Model::requests`].
    fn requests(&self) -> impl Iterator<Item = &Request<'_>> + '_ {
        self.requests.iter()
    }

    /// Whether the block has type parameters that no request may mention,
    /// so the message enum needs a variant that uses them.
    fn type_params(&self) -> Vec<&Ident> {
        self.generics
            .type_params()
            .map(|param| &param.ident)
            .collect()
    }

    /// The first handler of `kind`, usable or not: its parameter types still
    /// say what the block means, even when something else about it is wrong.
    fn first(&self, kind: Kind) -> Option<&Handler> {
        self.block.handler(kind)
    }

    /// The connect info type: `I` in the connect handler's `Attempt<I>`.
    fn connect_info(&self) -> TokenStream {
        let info = &self.infos.connect;
        quote!(#info)
    }

    /// The `#[info]` handler's message type, if there is such a handler
    /// and the task can hold it (a borrowed one was reported).
    fn info_type(&self) -> Option<&Type> {
        self.infos.info.as_ref()
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

/// How the self type reads in a generated doc comment.
fn type_name(ty: &Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}

/// The handlers' conditions, each as one `all(..)`.
fn each_condition<'a>(handlers: &'a [&Handler]) -> impl Iterator<Item = TokenStream> + 'a {
    handlers.iter().map(|handler| {
        let conditions = handler
            .cfgs
            .iter()
            .filter_map(|cfg| cfg.meta.require_list().ok().map(|list| list.tokens.clone()));
        quote!(all(#(#conditions),*))
    })
}

/// `#[cfg(any(all(..), ..))]`: where one of the handlers is compiled in.
fn cfg_any_of(handlers: &[&Handler]) -> syn::Attribute {
    let each = each_condition(handlers);
    syn::parse_quote!(#[cfg(any(#(#each),*))])
}

/// `#[cfg(not(any(all(..), ..)))]`: where every one of the handlers is
/// compiled out.
fn cfg_none_of(handlers: &[&Handler]) -> syn::Attribute {
    let each = each_condition(handlers);
    syn::parse_quote!(#[cfg(not(any(#(#each),*)))])
}

/// `body` in braces spanned at `span` (the block's type): an impl's span
/// runs from `impl` to its `}`, and rustc reports a conflicting impl there.
fn braced_at(body: TokenStream, span: proc_macro2::Span) -> proc_macro2::Group {
    let mut body = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, body);
    body.set_span(span);
    body
}

/// The `impl Trait` that `ty` is, inside any parentheses.
fn impl_trait(ty: &mut syn::Type) -> Option<&mut syn::TypeImplTrait> {
    match ty {
        syn::Type::ImplTrait(opaque) => Some(opaque),
        syn::Type::Paren(syn::TypeParen { elem, .. })
        | syn::Type::Group(syn::TypeGroup { elem, .. }) => impl_trait(elem),
        _ => None,
    }
}

/// Whether `bound` is `'static`.
fn is_static(bound: &syn::TypeParamBound) -> bool {
    matches!(bound, syn::TypeParamBound::Lifetime(lifetime) if lifetime.ident == "static")
}
