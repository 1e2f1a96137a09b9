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
//! const _: () = { fn check() { let () = <Tcp as MovedToTask>::CHECKED; .. } }; // checks on the user's tokens
//! ```
//!
//! Each item comes from its own file: `message.rs` (the enum), `client.rs`
//! (the client and `start`), `connection_impl.rs` (the trait impl and the
//! info newtypes), `checks.rs` (what is checked by type, and how a fault is
//! reported once on the user's token).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Generics, Type, Visibility};

use crate::parse::{Block, Handler, Kind, Options, Policy, change_in_type};

mod checks;
mod client;
mod connection_impl;
mod message;
mod model;

use checks::assuming_sent;
use model::{Infos, sent_types};

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
    /// `Send` (see [`Expansion::checks`]).
    sent: Vec<Type>,
    /// The connection's connect, disconnect and info types.
    infos: Infos,
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
        let alias = format_ident!(
            "__{}_runtime",
            self_ident.unraw().to_string().to_lowercase()
        );
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
        let type_params: Vec<_> = generics.type_params().map(|param| &param.ident).collect();
        let infos = Infos::resolve(block, &type_params);
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
            client_generics: Generics::default(),
            sent,
            infos,
        };
        expansion.client_generics = expansion.client_generics();
        expansion
    }

    /// The generics of the client and of `start`: the block's with the
    /// `Send` assumptions, and for a generic block `Self: Connection<..>`
    /// naming the associated types the client's methods send and return
    /// (for a concrete type that bound is trivially true: left out).
    fn client_generics(&self) -> Generics {
        let mut generics = self.generics.clone();
        if !generics.params.is_empty() {
            let Self {
                private,
                self_ty,
                message,
                client,
                ..
            } = self;
            let (_, ty_generics, _) = self.generics.split_for_impl();
            // And the info type, which the client's `info` converts into.
            let info = self.info_type().map(|_| {
                let info = self.info_type_of_impl();
                quote!(Info = #info,)
            });
            generics
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
        assuming_sent(generics, &self.assumed())
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
        let checks = self.checks();
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

    /// The first handler of `kind`, usable or not: its parameter types still
    /// say what the block means, even when something else about it is wrong.
    fn first(&self, kind: Kind) -> Option<&'a Handler> {
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
