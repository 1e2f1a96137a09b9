//! What validation resolves and the expansion generates from, decided
//! once: the generated items' names and visibility, the runtime's import,
//! the connection's connect, disconnect and info types (and which get a
//! newtype), a plan per request (its variant, fields, reply and policy), and
//! the types that cross between tasks and get a `Send` check. The files of
//! `expand/` read this model and never walk the block's rules again.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Generics, Type, Visibility};

use crate::parse::{
    Block, Handler, Kind, Options, Policy, change_in_type, is_unit, runtime_alias,
    single_type_argument,
};
use crate::validate::{is_borrowed, surely_send};

/// A block ready to expand: see the module docs.
pub(crate) struct Model<'a> {
    pub(crate) block: &'a Block,
    /// Per handler, in `Block::handlers` order: whether generated code may
    /// call it (validation found it free of errors).
    pub(crate) usable: Vec<bool>,
    /// The usable calls and casts, in source order: the message enum's
    /// variants and the client's methods follow the block.
    pub(crate) requests: Vec<Request<'a>>,
    /// The generated code's name for the runtime's `__private`
    /// (`::connection::__private`, or `<crate option>::__private`),
    /// imported once by [`runtime_import`](Self::runtime_import).
    pub(crate) private: TokenStream,
    pub(crate) runtime_import: TokenStream,
    pub(crate) vis: Visibility,
    /// Where the block wrote `vis = ..`, if it did.
    pub(crate) vis_span: Option<proc_macro2::Span>,
    /// Of the client's info methods: `pub(crate)` unless the block says
    /// `info_vis`, so that no holder of a client can forge infos.
    pub(crate) info_vis: Visibility,
    pub(crate) self_ty: &'a Type,
    pub(crate) message: Ident,
    pub(crate) client: Ident,
    /// The connection's `Info`, `DisconnectInfo` and `ConnectInfo`, when
    /// they are newtypes of the handlers' own types.
    pub(crate) info_wrapper: Ident,
    pub(crate) lost_wrapper: Ident,
    pub(crate) connect_wrapper: Ident,
    /// The block's generics with `Send + 'static` added to each type
    /// parameter (a connection runs on its own task): for the message enum
    /// and the connection impl.
    pub(crate) generics: Generics,
    /// The types that cross between tasks and that rustc must check to be
    /// `Send` (see the expansion's `checks`).
    pub(crate) sent: Vec<Type>,
    /// The connection's connect, disconnect and info types.
    pub(crate) infos: Infos,
}

/// What one usable `#[call]` or `#[cast]` generates from.
pub(crate) struct Request<'a> {
    pub(crate) handler: &'a Handler,
    /// Its message variant: the handler's name in upper camel case (`None`
    /// for a name without one, reported by validation).
    pub(crate) variant: Option<Ident>,
    /// The variant's fields and the client method's arguments: the
    /// handler's value parameters, by name.
    pub(crate) fields: Vec<&'a Ident>,
    pub(crate) reply: Reply<'a>,
    /// When disconnected: the handler's own, else the block's.
    pub(crate) policy: Policy,
}

/// How a request is answered.
pub(crate) enum Reply<'a> {
    /// A cast: not at all.
    None,
    /// A call answered with what its handler returns (`None`: `()`).
    Returned(Option<&'a Type>),
    /// A call whose handler takes the `ReplyTo` itself: the parameter's
    /// name (the variant's field) and the reply type.
    Deferred(&'a Ident, &'a Type),
    /// A `#[call(spawn)]`: answered with the output of the future its
    /// handler returns, run on a task of its own (`None`: `()`).
    Spawned(Option<&'a Type>),
}

impl Reply<'_> {
    /// The call variant's reply field and the reply type: the `ReplyTo`
    /// parameter of a deferred call, else `reply_to` and the return type.
    pub(crate) fn field_and_type(&self) -> Option<(TokenStream, TokenStream)> {
        match self {
            Reply::None => None,
            Reply::Returned(ty) | Reply::Spawned(ty) => Some((
                quote!(reply_to),
                ty.map_or_else(|| quote!(()), |ty| quote!(#ty)),
            )),
            Reply::Deferred(field, ty) => Some((quote!(#field), quote!(#ty))),
        }
    }
}

impl<'a> Model<'a> {
    /// The model of `block`, whose handlers validation found usable as
    /// `usable` says, named as `names` (from [`generated_names`]).
    pub(crate) fn resolve(
        block: &'a Block,
        usable: Vec<bool>,
        options: &Options,
        self_ident: &Ident,
        (client, message): (Ident, Ident),
    ) -> Self {
        let krate = options
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::connection));
        // Every generated path goes through one import of the runtime: a
        // `crate = ..` that names nothing is one error, at the option.
        let alias = runtime_alias(self_ident);
        let import_span = options
            .krate
            .as_ref()
            .map_or_else(proc_macro2::Span::call_site, Spanned::span);
        let runtime_import = quote_spanned! {import_span=>
            #[allow(unused_imports)]
            use #krate::__private as #alias;
        };
        let self_ty = &*block.item.self_ty;
        let mut generics = block.item.generics.clone();
        for param in generics.type_params_mut() {
            param.bounds.push(syn::parse_quote!(::core::marker::Send));
            param.bounds.push(syn::parse_quote!('static));
        }
        let sent = sent_types(block, &usable, self_ty);
        let type_params: Vec<_> = generics.type_params().map(|param| &param.ident).collect();
        let infos = Infos::resolve(block, &type_params);
        let default_policy = options.when_disconnected.unwrap_or(Policy::Run);
        let requests = block
            .handlers
            .iter()
            .zip(&usable)
            .filter(|(handler, usable)| **usable && handler.kind.is_request())
            .map(|(handler, _)| Request::plan(handler, default_policy))
            .collect();
        Model {
            block,
            usable,
            requests,
            private: quote!(#alias),
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
            info_wrapper: format_ident!("__{}Info", self_ident),
            lost_wrapper: format_ident!("__{}DisconnectInfo", self_ident),
            connect_wrapper: format_ident!("__{}ConnectInfo", self_ident),
            generics,
            sent,
            infos,
        }
    }
}

impl<'a> Request<'a> {
    fn plan(handler: &'a Handler, default_policy: Policy) -> Self {
        let reply = match (handler.kind, handler.reply_to()) {
            (Kind::Call, Some((_, field, reply))) => Reply::Deferred(field, reply),
            (Kind::Call, None) if handler.spawn.is_some() => Reply::Spawned(handler.reply()),
            (Kind::Call, None) => Reply::Returned(handler.output()),
            _ => Reply::None,
        };
        Request {
            handler,
            variant: handler.variant(),
            fields: handler.values().map(|(_, ident)| ident).collect(),
            reply,
            policy: handler.when_disconnected.unwrap_or(default_policy),
        }
    }
}

/// The generated client's and message enum's names: the options', else the
/// connection type's name with `Client` and `Message`.
pub(crate) fn generated_names(options: &Options, self_ident: &Ident) -> (Ident, Ident) {
    let client = options
        .client
        .clone()
        .unwrap_or_else(|| format_ident!("{}Client", self_ident));
    let message = options
        .message
        .clone()
        .unwrap_or_else(|| format_ident!("{}Message", self_ident));
    (client, message)
}

/// The type of a lifecycle handler's one value parameter.
pub(crate) fn value_type(handler: &Handler) -> Option<&Type> {
    handler.values().next().map(|(arg, _)| &*arg.ty)
}

/// `ty` with every borrow made `'static`: what a type the validation
/// reported as borrowed stands for in the expansion, so that the block's
/// other handlers, which name it too, give no second error.
pub(crate) fn with_static_borrows(ty: &Type) -> Type {
    let mut ty = ty.clone();
    change_in_type(&mut ty, &|part| {
        if let Type::Reference(reference) = part {
            reference.lifetime = Some(syn::Lifetime::new("'static", reference.and_token.span));
        }
        true
    });
    ty
}

/// The connection's three info types.
pub(crate) struct Infos {
    /// `I` of the `#[connect]` handler's `Attempt<I>` (a borrow, reported,
    /// made `'static` so that the rest of the block gives no second error),
    /// or `()` without one.
    pub(crate) connect: Type,
    pub(crate) connect_newtype: bool,
    /// The `#[disconnect]` handler's value type, unless it is borrowed
    /// (reported; `()` stands in for it).
    pub(crate) disconnect: Option<Type>,
    pub(crate) disconnect_newtype: bool,
    /// The `#[info]` handler's message type, unless it is borrowed.
    pub(crate) info: Option<Type>,
    pub(crate) info_newtype: bool,
    /// For each of connect, disconnect and info whose `#[cfg]` alternatives
    /// take different types (a TLS link's info and a plain one's): each
    /// alternative's `#[cfg]`s and type. The connection's type is then a
    /// newtype defined once under each alternative's `#[cfg]`.
    pub(crate) connect_by_cfg: Vec<(Vec<syn::Attribute>, Type)>,
    pub(crate) disconnect_by_cfg: Vec<(Vec<syn::Attribute>, Type)>,
    pub(crate) info_by_cfg: Vec<(Vec<syn::Attribute>, Type)>,
}

impl Infos {
    /// From the first handler of each kind, usable or not: its types still
    /// say what the block means when something else about it is wrong.
    fn resolve(block: &Block, type_params: &[&Ident]) -> Infos {
        let connect = block
            .handler(Kind::Connect)
            .and_then(value_type)
            .and_then(|ty| single_type_argument(ty, "Attempt"))
            .map_or_else(|| syn::parse_quote!(()), with_static_borrows);
        let value = |kind| {
            block
                .handler(kind)
                .and_then(value_type)
                .filter(|ty| !is_borrowed(ty))
                .cloned()
        };
        let (disconnect, info) = (value(Kind::Disconnect), value(Kind::Info));
        let newtype = |ty: Option<&Type>| ty.is_some_and(|ty| gets_newtype(ty, type_params));
        let connect_by_cfg = by_cfg(block, Kind::Connect, type_params, |handler| {
            value_type(handler).and_then(|ty| single_type_argument(ty, "Attempt"))
        });
        let disconnect_by_cfg = by_cfg(block, Kind::Disconnect, type_params, value_type);
        let info_by_cfg = by_cfg(block, Kind::Info, type_params, value_type);
        Infos {
            connect_newtype: newtype(Some(&connect)) || !connect_by_cfg.is_empty(),
            disconnect_newtype: newtype(disconnect.as_ref()) || !disconnect_by_cfg.is_empty(),
            info_newtype: newtype(info.as_ref()) || !info_by_cfg.is_empty(),
            connect,
            disconnect,
            info,
            connect_by_cfg,
            disconnect_by_cfg,
            info_by_cfg,
        }
    }
}

/// Each `#[cfg]` alternative of `kind` with its type (`type_of`), when
/// they take different types that can each be wrapped (none borrowed, none
/// naming an associated type of a type parameter: validation reports
/// those); empty otherwise.
fn by_cfg(
    block: &Block,
    kind: Kind,
    type_params: &[&Ident],
    type_of: impl Fn(&Handler) -> Option<&Type>,
) -> Vec<(Vec<syn::Attribute>, Type)> {
    let handlers: Vec<&Handler> = block.handlers(kind).collect();
    let Some(types) = handlers
        .iter()
        .map(|handler| type_of(handler))
        .collect::<Option<Vec<&Type>>>()
    else {
        return Vec::new();
    };
    let spelled = |ty: &Type| quote::quote!(#ty).to_string();
    let alternatives = handlers.len() > 1
        && handlers.iter().enumerate().all(|(index, handler)| {
            handlers[..index]
                .iter()
                .all(|before| handler.is_alternative_to(before))
        });
    let differ = types.iter().any(|ty| spelled(ty) != spelled(types[0]));
    let wrappable = types
        .iter()
        .all(|ty| !is_borrowed(ty) && !names_associated_type(ty, type_params));
    if !(alternatives && differ && wrappable) {
        return Vec::new();
    }
    handlers
        .iter()
        .zip(types)
        .map(|(handler, ty)| (handler.cfgs.clone(), ty.clone()))
        .collect()
}

/// Whether the `#[info]` or `#[disconnect]` type `ty` becomes the
/// connection's `Info` or `DisconnectInfo` through a newtype
/// (the expansion's `info_wrappers`): not `()`, which is public and
/// converts into nothing else, nor a type naming an associated type of one of the
/// block's `type_params` (`C::Frame`), whose `From` impl for the newtype
/// rustc cannot tell apart from the standard `impl<T> From<T> for T`
/// (E0119).
pub(crate) fn gets_newtype(ty: &Type, type_params: &[&Ident]) -> bool {
    !is_unit(ty) && !names_associated_type(ty, type_params)
}

/// Whether `ty` names an associated type of a type parameter:
/// `<C as Trait>::X` or `C::X`.
pub(crate) fn names_associated_type(ty: &Type, type_params: &[&Ident]) -> bool {
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
    // `visit-mut` is the walker the crate already has (for `Self`); a
    // clone of one type costs nothing next to the expansion.
    finder.visit_type_mut(&mut ty.clone());
    finder.found
}

/// The types the connection's task and its callers send each other, as
/// the expansion names them, that the block must check to be `Send`: the
/// connection itself, always first; each request's arguments and reply; the
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
