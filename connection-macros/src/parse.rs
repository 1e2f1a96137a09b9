//! Parsing: the `#[connection(...)]` options, and the impl block into the
//! model the later passes work on (`Block`, `Handler`, `Param`).
//!
//! Parsing records what the user wrote, including what is wrong with it;
//! `validate` decides what is wrong. Only malformed syntax is reported here.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::visit_mut::VisitMut;
use syn::{
    Attribute, FnArg, GenericArgument, Ident, ImplItem, ImplItemFn, ItemImpl, Pat, Path,
    PathArguments, ReturnType, Type,
};

use crate::errors::Errors;

/// The options of `#[connection(client = Name, message = Name,
/// vis = pub(crate), info_vis = pub, crate = path, when_disconnected = queue)]`.
#[derive(Default)]
pub(crate) struct Options {
    pub(crate) client: Option<Ident>,
    pub(crate) message: Option<Ident>,
    pub(crate) vis: Option<syn::Visibility>,
    /// Of the client's `info`, `try_info` and `info_sender`.
    pub(crate) info_vis: Option<syn::Visibility>,
    pub(crate) krate: Option<Path>,
    /// The default policy of the block's calls and casts.
    pub(crate) when_disconnected: Option<Policy>,
}

/// `when_disconnected = run | queue | reject`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Policy {
    Run,
    Queue,
    Reject,
}

impl Policy {
    fn parse(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Policy> {
        let value: Ident = meta.value()?.parse()?;
        match value.to_string().as_str() {
            "run" => Ok(Policy::Run),
            "queue" => Ok(Policy::Queue),
            "reject" => Ok(Policy::Reject),
            _ => Err(syn::Error::new_spanned(
                value,
                "unknown `when_disconnected` policy; expected `run`, `queue` or `reject`",
            )),
        }
    }
}

impl Options {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Options {
        let mut options = Options::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("client") {
                let name = generated_name(&meta, "client", "Handle")?;
                set_once(&mut options.client, name, &meta.path, "client")
            } else if meta.path.is_ident("message") {
                let name = generated_name(&meta, "message", "Request")?;
                set_once(&mut options.message, name, &meta.path, "message")
            } else if meta.path.is_ident("when_disconnected") {
                let policy = Policy::parse(&meta)?;
                set_once(
                    &mut options.when_disconnected,
                    policy,
                    &meta.path,
                    "when_disconnected",
                )
            } else if meta.path.is_ident("vis") {
                let vis = visibility(&meta, "vis")?;
                set_once(&mut options.vis, vis, &meta.path, "vis")
            } else if meta.path.is_ident("info_vis") {
                let vis = visibility(&meta, "info_vis")?;
                set_once(&mut options.info_vis, vis, &meta.path, "info_vis")
            } else if meta.path.is_ident("crate") {
                let value = meta.value()?;
                // `crate = path` or, as serde and tokio spell it, `crate = "path"`.
                let path = if value.peek(syn::LitStr) {
                    value.parse::<syn::LitStr>()?.parse()?
                } else {
                    value.call(Path::parse_mod_style)?
                };
                set_once(&mut options.krate, path, &meta.path, "crate")
            } else {
                Err(meta.error(
                    "unknown `connection` option; expected `client = Name`, `message = Name`, `vis = pub(crate)`, `info_vis = pub`, `crate = path` or `when_disconnected = run | queue | reject`",
                ))
            }
        });
        if let Err(error) = parser.parse2(args) {
            errors.push(error);
        }
        options
    }
}

/// The value of `client = Name` or `message = Name`: one identifier, the
/// name of an item generated in this module.
fn generated_name(
    meta: &syn::meta::ParseNestedMeta<'_>,
    option: &str,
    example: &str,
) -> syn::Result<Ident> {
    let expected = format!("`{option}` takes the generated item's name: `{option} = {example}`");
    let value = meta.value().map_err(|_| meta.error(&expected))?;
    if value.peek(syn::LitStr) {
        let quoted: syn::LitStr = value.parse()?;
        return Err(syn::Error::new(
            quoted.span(),
            format!(
                "`{option}` takes a name without quotes: `{option} = {}`",
                quoted.value()
            ),
        ));
    }
    let path = value
        .call(Path::parse_mod_style)
        .map_err(|error| syn::Error::new(error.span(), &expected))?;
    path.get_ident().cloned().ok_or_else(|| {
        syn::Error::new_spanned(
            &path,
            format!(
                "`{option}` takes a name, not a path: the item is generated in this module (`{option} = {example}`)"
            ),
        )
    })
}

/// The value of `vis = ..` or `info_vis = ..`: a visibility written out.
fn visibility(meta: &syn::meta::ParseNestedMeta<'_>, option: &str) -> syn::Result<syn::Visibility> {
    let expected = format!(
        "`{option}` takes a visibility: `pub`, `pub(crate)`, `pub(super)` or `pub(in path)`"
    );
    let value = meta.value().map_err(|_| meta.error(&expected))?;
    if value.is_empty() || value.peek(syn::Token![,]) {
        return Err(meta.error(format!("{expected}; for this module only, `pub(self)`")));
    }
    let vis: syn::Visibility = value.parse()?;
    if matches!(vis, syn::Visibility::Inherited) {
        // Nothing, or a word that is not one (`private`): an item of this
        // module only is written `pub(self)`.
        return Err(syn::Error::new(
            value.span(),
            format!("{expected}; for this module only, `pub(self)`"),
        ));
    }
    Ok(vis)
}

fn set_once<T>(slot: &mut Option<T>, value: T, path: &Path, name: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new_spanned(
            path,
            format!("duplicate `{name}` option"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// What a marker says a method is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Init,
    Connect,
    Disconnect,
    Call,
    Cast,
    Info,
    Timeout,
    Flush,
    Terminate,
}

impl Kind {
    pub(crate) const ALL: [Kind; 9] = [
        Kind::Init,
        Kind::Connect,
        Kind::Disconnect,
        Kind::Call,
        Kind::Cast,
        Kind::Info,
        Kind::Timeout,
        Kind::Flush,
        Kind::Terminate,
    ];

    pub(crate) fn marker(self) -> &'static str {
        match self {
            Kind::Init => "init",
            Kind::Connect => "connect",
            Kind::Disconnect => "disconnect",
            Kind::Call => "call",
            Kind::Cast => "cast",
            Kind::Info => "info",
            Kind::Timeout => "timeout",
            Kind::Flush => "flush",
            Kind::Terminate => "terminate",
        }
    }

    /// The marker `attr` is: `#[call]`, or named through the runtime crate
    /// (`#[connection::call]`, `#[connection::markers::call]`, and so
    /// through the `crate = ..` option's path: `#[rt::call]`).
    fn from_attribute(attr: &Attribute, runtime: Option<&Path>) -> Option<Kind> {
        Kind::from_path(attr.path(), runtime)
    }

    /// The marker a path names (see [`from_attribute`](Self::from_attribute)).
    fn from_path(path: &Path, runtime: Option<&Path>) -> Option<Kind> {
        let through_the_crate = path.segments.len() == 1 || is_runtime_path(path, runtime);
        let last = path.segments.last()?;
        if !through_the_crate || !last.arguments.is_none() {
            return None;
        }
        Kind::ALL
            .into_iter()
            .find(|kind| last.ident == kind.marker())
    }

    /// The marker inside `#[cfg_attr(predicate, marker)]`, if that is one.
    fn in_cfg_attr(attr: &Attribute, runtime: Option<&Path>) -> Option<Kind> {
        if !attr.path().is_ident("cfg_attr") {
            return None;
        }
        let syn::Meta::List(list) = &attr.meta else {
            return None;
        };
        let parsed = list.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        );
        parsed
            .ok()?
            .iter()
            .skip(1)
            .find_map(|meta| Kind::from_path(meta.path(), runtime))
    }

    /// Whether the handler becomes a message variant and a client method.
    pub(crate) fn is_request(self) -> bool {
        matches!(self, Kind::Call | Kind::Cast)
    }
}

/// One parameter of a handler, after the receiver.
pub(crate) enum Param {
    /// `ctx: &mut Context<..>`.
    Context { arg: syn::PatType },
    /// `reply: ReplyTo<T>`: the answer of a deferred call.
    ReplyTo {
        arg: syn::PatType,
        ident: Ident,
        reply: Box<Type>,
    },
    /// Anything else: a request argument, the connect attempt, the disconnect
    /// info, the info message or the stop reason.
    Value { arg: syn::PatType, ident: Ident },
}

impl Param {
    pub(crate) fn arg(&self) -> &syn::PatType {
        match self {
            Param::Context { arg } | Param::ReplyTo { arg, .. } | Param::Value { arg, .. } => arg,
        }
    }

    /// `ident` names the parameter in the message variant and the client
    /// method (see [`param_names`]).
    fn classify(arg: syn::PatType, ident: Ident, runtime: Option<&Path>) -> Param {
        if let Type::Reference(reference) = &*arg.ty
            && names_runtime_type(&reference.elem, "Context", runtime)
        {
            return Param::Context { arg };
        }
        if names_runtime_type(&arg.ty, "ReplyTo", runtime)
            && let Some(reply) = single_type_argument(&arg.ty, "ReplyTo")
        {
            let reply = Box::new(reply.clone());
            return Param::ReplyTo { arg, ident, reply };
        }
        Param::Value { arg, ident }
    }
}

/// The name each parameter has in the message variant and the client
/// method: its own when it is an identifier (`mut` and `ref` dropped), else
/// `arg1`, `arg2`.. by position, so that a pattern (`(a, b): (u32, u32)`,
/// `_: u8`) is as valid as in any method: the handler itself keeps it and
/// receives the value. A generated name is one no parameter of the handler
/// has, nor the generated `reply_to` field.
fn param_names(typed: &[&syn::PatType]) -> Vec<Ident> {
    let plain = |arg: &syn::PatType| match &*arg.pat {
        Pat::Ident(pat) if pat.subpat.is_none() => Some(pat.ident.clone()),
        _ => None,
    };
    let given: Vec<Ident> = typed.iter().filter_map(|arg| plain(arg)).collect();
    typed
        .iter()
        .enumerate()
        .map(|(index, arg)| {
            plain(arg).unwrap_or_else(|| {
                let mut name = format!("arg{}", index + 1);
                while name == "reply_to" || given.iter().any(|ident| ident == name.as_str()) {
                    name.push('_');
                }
                Ident::new(&name, syn::spanned::Spanned::span(&arg.pat))
            })
        })
        .collect()
}

/// The name the expansion imports the runtime's hidden items under:
/// `__tcp_runtime` for `impl Tcp`.
pub(crate) fn runtime_alias(self_ident: &Ident) -> Ident {
    quote::format_ident!(
        "__{}_runtime",
        self_ident.unraw().to_string().to_lowercase()
    )
}

/// The primitive types' names: what a type written so surely is, whatever
/// is in scope (a user type of the name only loses an early check).
pub(crate) const PRIMITIVE_TYPES: &[&str] = &[
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64",
];

/// Whether `ty` is written as a primitive or `String`: surely neither a
/// `Result` nor a future, so that `flatten` or `spawn` on it is the
/// macro's one error rather than rustc's.
fn is_primitive_or_string(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.segments.len() == 1
        && path.path.segments[0].arguments.is_empty()
        && (path.path.segments[0].ident == "String"
            || PRIMITIVE_TYPES.iter().any(|name| path.path.segments[0].ident == name)))
}

/// A `#[call(flatten)]`'s reply.
pub(crate) enum Flattened<'a> {
    /// Written `Result<T, E>`: the `E`, where a missing `From<CallError>`
    /// is reported.
    Written(&'a Type),
    /// Any other path (`io::Result<T>`, a crate's `Result<T>`): the reply,
    /// which the runtime's `FlattenedReply` checks is a `Result`.
    Named(&'a Type),
}

/// One method of the block that carries a marker.
pub(crate) struct Handler {
    pub(crate) kind: Kind,
    /// The marker attribute, for errors about the handler as a whole.
    pub(crate) marker: Attribute,
    pub(crate) method: ImplItemFn,
    pub(crate) params: Vec<Param>,
    /// `#[doc]` attributes, forwarded to the client method.
    pub(crate) docs: Vec<Attribute>,
    /// `#[cfg]` attributes, forwarded to everything generated for the handler.
    pub(crate) cfgs: Vec<Attribute>,
    /// `#[deprecated]`, forwarded to the client method: its callers are
    /// warned, not the generated dispatch.
    pub(crate) deprecated: Vec<Attribute>,
    /// `#[call(when_disconnected = ..)]`; `None` for the block's default.
    pub(crate) when_disconnected: Option<Policy>,
    /// `#[call(flatten)]`: the client method returns the handler's
    /// `Result<T, E>` itself, a failed call as `E::from(CallError)`. The
    /// option's path, for errors about it.
    pub(crate) flatten: Option<Path>,
    /// `#[call(spawn)]`: the handler returns a future, run on a task of its
    /// own, whose output answers the call. The option's path, for errors.
    pub(crate) spawn: Option<Path>,
    /// The answer of a `#[call(spawn)]` whose future is named without its
    /// output (`BoxFuture<'static, R>`): `<F as SpawnedFuture>::Answer`.
    pub(crate) named_future_output: Option<Type>,
}

impl Handler {
    /// Whether this handler and `other` are alternatives: each is
    /// `#[cfg]`-gated and their conditions are written differently, so that
    /// (as for any two items of one name) the build keeps at most one.
    /// Conditions are not evaluated: two that overlap are two definitions of
    /// one method in the block, which rustc reports on the user's tokens.
    pub(crate) fn is_alternative_to(&self, other: &Handler) -> bool {
        let key = |handler: &Handler| {
            let cfgs = &handler.cfgs;
            quote::quote!(#(#cfgs)*).to_string()
        };
        !self.cfgs.is_empty() && !other.cfgs.is_empty() && key(self) != key(other)
    }

    pub(crate) fn ident(&self) -> &Ident {
        &self.method.sig.ident
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = (&syn::PatType, &Ident)> {
        self.params.iter().filter_map(|param| match param {
            Param::Value { arg, ident } => Some((arg, ident)),
            _ => None,
        })
    }

    pub(crate) fn reply_to(&self) -> Option<(&syn::PatType, &Ident, &Type)> {
        self.params.iter().find_map(|param| match param {
            Param::ReplyTo { arg, ident, reply } => Some((arg, ident, &**reply)),
            _ => None,
        })
    }

    pub(crate) fn takes_context(&self) -> bool {
        self.params
            .iter()
            .any(|param| matches!(param, Param::Context { .. }))
    }

    /// What a call answers its caller with: its `ReplyTo`'s type, the
    /// output of the future a `#[call(spawn)]` returns, or else its return
    /// type (`None` for `()`).
    pub(crate) fn reply(&self) -> Option<&Type> {
        if let Some((_, _, reply)) = self.reply_to() {
            return Some(reply);
        }
        match self.spawn {
            Some(_) => self.spawned_output().filter(|ty| !is_unit(ty)),
            None => self.output(),
        }
    }

    /// `R` of a `#[call(spawn)]`'s return type, written with the future's
    /// output: `impl Future<Output = R> + ..`, or a boxed
    /// `dyn Future<Output = R> + ..` (`Pin<Box<..>>`).
    pub(crate) fn spawned_output(&self) -> Option<&Type> {
        self.spawn.as_ref()?;
        future_output(self.output()?).or(self.named_future_output.as_ref())
    }

    /// How a `#[call(flatten)]`'s reply holds a failed call: `None` when
    /// the handler is no `flatten` or its reply cannot be a `Result` (`()`,
    /// a tuple, a reference).
    pub(crate) fn flattened(&self) -> Option<Flattened<'_>> {
        self.flatten.as_ref()?;
        let reply = self.reply()?;
        match result_error_type(reply) {
            Some(error) => Some(Flattened::Written(error)),
            None => (matches!(reply, Type::Path(_)) && !is_primitive_or_string(reply))
                .then_some(Flattened::Named(reply)),
        }
    }

    /// For a `#[call(spawn)]` returning a future named by a path without
    /// its output (an alias such as `BoxFuture<'static, R>`, a future type
    /// of the user's), its output as the runtime's `SpawnedFuture` names it,
    /// at the return type, where a type that is no future is reported.
    /// Primitives and `String` are surely no futures: validation says so.
    fn named_future_output(&self, runtime: &Ident) -> Option<Type> {
        self.spawn.as_ref()?;
        let output = self.output()?;
        let Type::Path(path) = output else {
            return None;
        };
        let last = &path.path.segments.last()?.ident;
        if future_output(output).is_some() || is_primitive_or_string(output) {
            return None;
        }
        let span = located(last.span());
        Some(syn::parse_quote_spanned! {span=>
            <#output as #runtime::SpawnedFuture>::Answer
        })
    }

    /// Where a `#[call(spawn)]` future named without its output is reported
    /// when it is no future: its return type, resolved as the macro's own
    /// tokens ([`located`]). `None` for every other handler.
    pub(crate) fn named_future_at(&self) -> Option<proc_macro2::Span> {
        self.named_future_output.as_ref()?;
        Some(located(syn::spanned::Spanned::span(self.output()?)))
    }

    /// The declared return type; `None` for `()` written or left out.
    pub(crate) fn output(&self) -> Option<&Type> {
        match &self.method.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) if is_unit(ty) => None,
            ReturnType::Type(_, ty) => Some(ty),
        }
    }

    /// The message variant's name: `send_all` gives `SendAll`. `None` when
    /// the result is no identifier (`__` gives nothing, `self_` a keyword).
    pub(crate) fn variant(&self) -> Option<Ident> {
        let name = upper_camel_case(&self.ident().unraw().to_string());
        syn::parse_str::<Ident>(&name)
            .ok()
            .map(|_| Ident::new(&name, self.ident().span()))
    }
}

/// The annotated impl block, markers removed, with its handlers.
pub(crate) struct Block {
    pub(crate) item: ItemImpl,
    pub(crate) handlers: Vec<Handler>,
}

impl Block {
    /// Writes `Self` in the handlers' parameter and return types as the
    /// connection's type, for the generated items outside the block (the
    /// message enum, the client, the infos' newtypes, the checks), where
    /// `Self` would mean the item itself. The block itself keeps what the
    /// user wrote. Run after validation, which reads the written form.
    pub(crate) fn resolve_self(&mut self) {
        let mut resolver = SelfResolver(&self.item.self_ty);
        for handler in &mut self.handlers {
            for param in &mut handler.params {
                match param {
                    Param::Context { .. } => {}
                    Param::ReplyTo { arg, reply, .. } => {
                        resolver.visit_type_mut(&mut arg.ty);
                        resolver.visit_type_mut(reply);
                    }
                    Param::Value { arg, .. } => resolver.visit_type_mut(&mut arg.ty),
                }
            }
            if let ReturnType::Type(_, ty) = &mut handler.method.sig.output {
                resolver.visit_type_mut(ty);
            }
        }
    }

    /// Strips the markers from `item` and records each marked method.
    /// `runtime` is the `crate = ..` option's path, if any: a parameter
    /// written through it (`rt::Context<Self>`) is the runtime's.
    pub(crate) fn parse(mut item: ItemImpl, runtime: Option<&Path>, errors: &mut Errors) -> Block {
        let mut handlers = Vec::new();
        for impl_item in &mut item.items {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            let Some((kind, marker)) = take_marker(method, runtime, errors) else {
                continue;
            };
            let MarkerOptions {
                when_disconnected,
                flatten,
                spawn,
            } = marker_options(kind, &marker, errors);
            // The macro requires `async`, so a handler that never awaits is
            // no mistake of the user's.
            method
                .attrs
                .push(syn::parse_quote!(#[allow(clippy::unused_async)]));
            let typed: Vec<&syn::PatType> = method
                .sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    FnArg::Typed(arg) => Some(arg),
                    FnArg::Receiver(_) => None,
                })
                .collect();
            let params = typed
                .iter()
                .zip(param_names(&typed))
                .map(|(arg, ident)| Param::classify((*arg).clone(), ident, runtime))
                .collect();
            let attrs_named = |name: &str| -> Vec<Attribute> {
                method
                    .attrs
                    .iter()
                    .filter(|attr| attr.path().is_ident(name))
                    .cloned()
                    .collect()
            };
            handlers.push(Handler {
                kind,
                marker,
                docs: attrs_named("doc"),
                cfgs: attrs_named("cfg"),
                deprecated: attrs_named("deprecated"),
                params,
                when_disconnected,
                flatten,
                spawn,
                named_future_output: None,
                method: method.clone(),
            });
        }
        let mut block = Block { item, handlers };
        if let Some(runtime) = block.self_ident().map(runtime_alias) {
            for handler in &mut block.handlers {
                handler.named_future_output = handler.named_future_output(&runtime);
            }
        }
        block
    }

    /// The last identifier of the self type: `Tcp` for `impl Tcp` or
    /// `impl net::Tcp`.
    pub(crate) fn self_ident(&self) -> Option<&Ident> {
        match &*self.item.self_ty {
            Type::Path(path) if path.qself.is_none() => path.path.segments.last().map(|s| &s.ident),
            _ => None,
        }
    }

    pub(crate) fn handlers(&self, kind: Kind) -> impl Iterator<Item = &Handler> {
        self.handlers
            .iter()
            .filter(move |handler| handler.kind == kind)
    }

    pub(crate) fn handler(&self, kind: Kind) -> Option<&Handler> {
        self.handlers(kind).next()
    }
}

/// The options of a marker: `when_disconnected = ..` on calls and casts,
/// `flatten` and `spawn` on calls, nothing on the others.
#[derive(Default)]
struct MarkerOptions {
    when_disconnected: Option<Policy>,
    flatten: Option<Path>,
    spawn: Option<Path>,
}

fn marker_options(kind: Kind, marker: &Attribute, errors: &mut Errors) -> MarkerOptions {
    let expected = if kind == Kind::Call {
        "`when_disconnected = run | queue | reject`, `flatten` or `spawn`"
    } else {
        "`when_disconnected = run | queue | reject`"
    };
    let mut options = MarkerOptions::default();
    match (&marker.meta, kind.is_request()) {
        (syn::Meta::Path(_), _) => {}
        (syn::Meta::List(_), true) => {
            let parsed = marker.parse_nested_meta(|meta| {
                if meta.path.is_ident("when_disconnected") {
                    let value = Policy::parse(&meta)?;
                    set_once(
                        &mut options.when_disconnected,
                        value,
                        &meta.path,
                        "when_disconnected",
                    )
                } else if let Some((flag, slot)) = [
                    ("flatten", &mut options.flatten),
                    ("spawn", &mut options.spawn),
                ]
                .into_iter()
                .find(|(flag, _)| meta.path.is_ident(flag))
                {
                    if kind != Kind::Call {
                        return Err(meta.error(format!(
                            "`{flag}` is for `#[call]`: a cast has no reply to {}",
                            if flag == "spawn" {
                                "compute on a task"
                            } else {
                                "flatten"
                            }
                        )));
                    }
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        return Err(meta.error(format!("`{flag}` takes no value; write `{flag}`")));
                    }
                    set_once(slot, meta.path.clone(), &meta.path, flag)
                } else {
                    Err(meta.error(format!(
                        "unknown `{}` option; expected {expected}",
                        kind.marker()
                    )))
                }
            });
            if let Err(error) = parsed {
                errors.push(error);
            }
        }
        (syn::Meta::NameValue(_), true) => {
            errors.spanned(
                &marker.meta,
                format!(
                    "write `#[{0}]` or `#[{0}(when_disconnected = run | queue | reject)]`",
                    kind.marker()
                ),
            );
        }
        (_, false) => {
            errors.spanned(
                &marker.meta,
                format!("`#[{0}]` takes no options; write `#[{0}]`", kind.marker()),
            );
        }
    }
    options
}

/// `R` in a future type written with its output: `impl Future<Output = R>`
/// or `dyn Future<Output = R>` with other bounds, also inside `Pin<Box<..>>`.
pub(crate) fn future_output(ty: &Type) -> Option<&Type> {
    let bounds = match ty {
        Type::ImplTrait(opaque) => &opaque.bounds,
        Type::TraitObject(object) => &object.bounds,
        Type::Paren(inner) => return future_output(&inner.elem),
        Type::Group(inner) => return future_output(&inner.elem),
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            if last.ident != "Pin" && last.ident != "Box" {
                return None;
            }
            return future_output(single_type_argument(ty, &last.ident.to_string())?);
        }
        _ => return None,
    };
    bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        if last.ident != "Future" {
            return None;
        }
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// The `E` of a type written `Result<T, E>` (any path ending in `Result`
/// with two type arguments).
pub(crate) fn result_error_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (
        segment.ident == "Result",
        types.next(),
        types.next(),
        types.next(),
    ) {
        (true, Some(_), Some(error), None) => Some(error),
        _ => None,
    }
}

/// `T` in `Name<T>` (or `path::Name<T>`), if `ty` has that shape.
pub(crate) fn single_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut args = args.args.iter();
    match (args.next(), args.next()) {
        (Some(GenericArgument::Type(ty)), None) => Some(ty),
        _ => None,
    }
}

/// Whether `ty` is written as the runtime's `name` (`ReplyTo<T>`,
/// `Context<Self>`): the bare name, or a path from `connection` or from the
/// `crate = ..` option's path (`rt::Context<Self>` with `crate = rt`).
/// Another path ending in the name (`mine::ReplyTo`) is the user's own
/// type; the expansion checks by type that a bare name is the runtime's,
/// and that no other parameter is one under another name.
pub(crate) fn names_runtime_type(ty: &Type, name: &str, runtime: Option<&Path>) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let segments = &path.path.segments;
    if path.qself.is_some() || segments.last().is_none_or(|last| last.ident != name) {
        return false;
    }
    segments.len() == 1 || is_runtime_path(&path.path, runtime)
}

/// Whether `path` names an item through the runtime crate: from
/// `connection`, or from the `crate = ..` option's path (`rt::Context`,
/// `rt::markers::call` with `crate = rt`).
fn is_runtime_path(path: &Path, runtime: Option<&Path>) -> bool {
    let from_runtime = runtime.is_some_and(|runtime| {
        runtime.segments.len() < path.segments.len()
            && runtime
                .segments
                .iter()
                .zip(&path.segments)
                .all(|(runtime, segment)| runtime.ident == segment.ident)
    });
    from_runtime
        || path
            .segments
            .first()
            .is_some_and(|first| first.ident == "connection")
}

pub(crate) fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(path) => path.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    }
}

/// `()`: public, and passed on as it is.
pub(crate) fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// The first part of `ty` (itself, or a type inside it: a reference's or
/// array's element, a tuple's fields, a path's type arguments) for which
/// `found` says something, searched from the outside in. `found` sees a
/// part before what is inside it.
pub(crate) fn find_in_type<'t, R>(
    ty: &'t Type,
    found: &impl Fn(&'t Type) -> Option<R>,
) -> Option<R> {
    if let Some(result) = found(ty) {
        return Some(result);
    }
    match ty {
        Type::Reference(reference) => find_in_type(&reference.elem, found),
        Type::Array(array) => find_in_type(&array.elem, found),
        Type::Slice(slice) => find_in_type(&slice.elem, found),
        Type::Paren(paren) => find_in_type(&paren.elem, found),
        Type::Group(group) => find_in_type(&group.elem, found),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(|ty| find_in_type(ty, found)),
        Type::Path(path) => path
            .path
            .segments
            .iter()
            .filter_map(|segment| match &segment.arguments {
                PathArguments::AngleBracketed(arguments) => Some(arguments.args.iter()),
                _ => None,
            })
            .flatten()
            .find_map(|argument| match argument {
                GenericArgument::Type(ty) => find_in_type(ty, found),
                _ => None,
            }),
        _ => None,
    }
}

/// Applies `change` to `ty` and to every type inside it (the same parts as
/// [`find_in_type`]); `change` says whether to look inside what it saw.
pub(crate) fn change_in_type(ty: &mut Type, change: &impl Fn(&mut Type) -> bool) {
    if !change(ty) {
        return;
    }
    match ty {
        Type::Reference(reference) => change_in_type(&mut reference.elem, change),
        Type::Array(array) => change_in_type(&mut array.elem, change),
        Type::Slice(slice) => change_in_type(&mut slice.elem, change),
        Type::Paren(paren) => change_in_type(&mut paren.elem, change),
        Type::Group(group) => change_in_type(&mut group.elem, change),
        Type::Tuple(tuple) => tuple
            .elems
            .iter_mut()
            .for_each(|ty| change_in_type(ty, change)),
        Type::Path(path) => {
            for segment in &mut path.path.segments {
                if let PathArguments::AngleBracketed(arguments) = &mut segment.arguments {
                    for argument in &mut arguments.args {
                        if let GenericArgument::Type(ty) = argument {
                            change_in_type(ty, change);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// `send_all` → `SendAll`, `r#type` (unrawed first) → `Type`.
pub(crate) fn upper_camel_case(snake: &str) -> String {
    let mut camel = String::with_capacity(snake.len());
    let mut upper_next = true;
    for ch in snake.chars() {
        if ch == '_' {
            upper_next = true;
        } else if upper_next {
            camel.extend(ch.to_uppercase());
            upper_next = false;
        } else {
            camel.push(ch);
        }
    }
    camel
}

/// A span for errors about the block as a whole: its self type.
pub(crate) fn block_span(item: &ItemImpl) -> Span {
    syn::spanned::Spanned::span(&item.self_ty)
}

/// Replaces `Self` in a type, wherever it is (inside `<Self as Trait>::X`,
/// a closure's or a function pointer's parameters, a trait object's
/// arguments), by the connection's type, located at the `Self` it replaces.
struct SelfResolver<'a>(&'a Type);

impl VisitMut for SelfResolver<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.is_ident("Self")
        {
            let span = syn::spanned::Spanned::span(&path.path);
            let resolved = self.0.to_token_stream();
            if let Ok(resolved) = syn::parse2(respanned(resolved, span)) {
                *ty = resolved;
            }
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// A span resolved and linted as the macro's own (call-site) tokens, shown
/// at `at`, a token of the user's: an error about a generated item lands
/// there, while lints that skip generated code (`unused_qualifications`
/// on the runtime's paths) still skip it.
pub(crate) fn located(at: proc_macro2::Span) -> proc_macro2::Span {
    proc_macro2::Span::call_site().located_at(at)
}

/// `tokens`, every one located at `span`.
pub(crate) fn respanned(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respanned(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// Takes `method`'s marker off it: its kind and the attribute, if it has
/// one. A marker under `cfg_attr` and a second marker are reported.
fn take_marker(
    method: &mut ImplItemFn,
    runtime: Option<&Path>,
    errors: &mut Errors,
) -> Option<(Kind, Attribute)> {
    // Reported, and taken off: left on, a true predicate would make it a
    // marker outside the block's reading, a second error.
    method.attrs.retain(|attr| {
        let Some(kind) = Kind::in_cfg_attr(attr, runtime) else {
            return true;
        };
        errors.spanned(
            attr,
            format!(
                "`#[connection]` reads its markers before `cfg` is decided, so `#[cfg_attr(.., {marker})]` cannot switch a handler on and off: write `#[{marker}]` and put `#[cfg(..)]` on the handler, which removes its request with it",
                marker = kind.marker()
            ),
        );
        false
    });
    let mut markers = Vec::new();
    method
        .attrs
        .retain(|attr| match Kind::from_attribute(attr, runtime) {
            Some(kind) => {
                markers.push((kind, attr.clone()));
                false
            }
            None => true,
        });
    let mut markers = markers.into_iter();
    let (kind, marker) = markers.next()?;
    for (_, extra) in markers {
        errors.spanned(
            &extra,
            format!(
                "`{}` already has the marker `#[{}]`; a handler takes exactly one marker",
                method.sig.ident,
                kind.marker()
            ),
        );
    }
    Some((kind, marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_camel_case_joins_snake_case_words() {
        assert_eq!(upper_camel_case("send"), "Send");
        assert_eq!(upper_camel_case("send_all"), "SendAll");
        assert_eq!(upper_camel_case("recv_2"), "Recv2");
        assert_eq!(upper_camel_case("_private"), "Private");
        assert_eq!(upper_camel_case("double__underscore"), "DoubleUnderscore");
        assert_eq!(upper_camel_case("already_Camel"), "AlreadyCamel");
    }
}
