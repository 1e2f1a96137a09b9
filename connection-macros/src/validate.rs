//! Validation: every rule a block must follow, each broken rule one error on
//! the user's own token, all of them reported together; then, when anything
//! can be generated, the [`Model`] the expansion reads.

use std::collections::HashMap;

use proc_macro2::{Ident, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{FnArg, ImplItem, ReceiverKind, ReturnType, Type};

use crate::errors::Errors;
use crate::model::{Model, generated_names, names_associated_type, value_type};
use crate::parse::{
    Block, Handler, Kind, Options, PRIMITIVE_TYPES, Param, find_in_type, last_segment_is,
    single_type_argument,
};

/// Methods every generated client already has (its own, those of the
/// runtime's `Client` it forwards, and those of the traits it
/// implements): a call or cast of the same name would shadow one of them.
const CLIENT_METHODS: &[&str] = &[
    "call",
    "cast",
    "try_cast",
    "info",
    "try_info",
    "info_sender",
    "stop",
    "stopped",
    "is_alive",
    "is_connected",
    "timeout",
    "with_timeout",
    "without_timeout",
    "clone",
    "clone_from",
    "deref",
    "fmt",
    "from",
    "into",
];

/// Methods generated on the connection type itself.
const TYPE_METHODS: &[&str] = &["start", "start_with"];

/// What the rules decided: what the expansion may generate.
struct Verdict {
    /// Whether anything can be generated: the block is an inherent impl of
    /// a named type with supported generics.
    expandable: bool,
    /// For each handler, in `Block::handlers` order: whether it is free of
    /// errors, so that code calling it can be generated.
    usable: Vec<bool>,
}

/// Every rule of the block, then, if anything can be generated, the model
/// the expansion generates from (with `Self` resolved in its types).
pub(crate) fn validate<'a>(
    block: &'a mut Block,
    options: &Options,
    errors: &mut Errors,
) -> Option<Model<'a>> {
    let verdict = check(block, errors);
    block.resolve_self();
    let block = &*block;
    let self_ident = block.self_ident()?;
    let names = generated_names(options, self_ident);
    let names_apart = check_generated_names(options, self_ident, &names, errors);
    (verdict.expandable && names_apart)
        .then(|| Model::resolve(block, verdict.usable, options, self_ident, names))
}

fn check(block: &Block, errors: &mut Errors) -> Verdict {
    let mut verdict = Verdict {
        expandable: true,
        usable: vec![true; block.handlers.len()],
    };
    if let Some((path, _)) = &block.item.trait_ {
        // Nothing else about a trait impl is worth reporting.
        errors.spanned(
            path,
            "`#[connection]` goes on an inherent impl block (`impl MyConnection { .. }`), not on a trait impl",
        );
        verdict.expandable = false;
        return verdict;
    }
    verdict.expandable = check_block(block, errors);
    if block.handler(Kind::Connect).is_none() && block.handler(Kind::Disconnect).is_none() {
        // Most likely a second block for a type that has its `#[connection]`
        // block already: expanding this one too would collide with every
        // item of the first.
        errors.push(syn::Error::new(
            crate::parse::block_span(&block.item),
            "this block has no `#[connect]` and no `#[disconnect]` handler: a connection's handlers all go in one `#[connection]` block, so if this type has one already, move these handlers there (other methods can stay in a plain `impl`), else add both",
        ));
        verdict.expandable = false;
    } else {
        check_counts(block, errors, &mut verdict.usable);
    }
    let self_ty = type_key(&block.item.self_ty);
    for (handler, usable) in block.handlers.iter().zip(&mut verdict.usable) {
        let mut handler_errors = Errors::default();
        check_signature(handler, &mut handler_errors);
        check_params(handler, &self_ty, &mut handler_errors);
        check_output(handler, &mut handler_errors);
        if !handler_errors.is_empty() {
            *usable = false;
            errors.extend(handler_errors);
        }
    }
    check_names(block, errors, &mut verdict.usable);
    verdict
}

/// Returns whether the block can be expanded at all.
fn check_block(block: &Block, errors: &mut Errors) -> bool {
    let item = &block.item;
    let mut expandable = true;
    for param in &item.generics.params {
        match param {
            syn::GenericParam::Type(_) | syn::GenericParam::Const(_) => {}
            syn::GenericParam::Lifetime(lifetime) => {
                errors.spanned(
                    lifetime,
                    "a connection runs on its own task, so it cannot borrow: lifetime parameters are not supported",
                );
                expandable = false;
            }
        }
    }
    if block.self_ident().is_none() {
        errors.spanned(
            &item.self_ty,
            "`#[connection]` expects the impl of a named type, such as `impl Tcp`",
        );
        expandable = false;
    }
    expandable
}

fn check_counts(block: &Block, errors: &mut Errors, usable: &mut [bool]) {
    let type_params: Vec<&Ident> = block
        .item
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    for kind in [Kind::Connect, Kind::Disconnect] {
        if block.handler(kind).is_none() {
            errors.push(syn::Error::new(
                crate::parse::block_span(&block.item),
                format!(
                    "missing `#[{marker}]` handler; add `#[{marker}] async fn {marker}(..)` to this impl block",
                    marker = kind.marker()
                ),
            ));
        }
    }
    for kind in [
        Kind::Init,
        Kind::Connect,
        Kind::Disconnect,
        Kind::Info,
        Kind::Timeout,
        Kind::Flush,
        Kind::Terminate,
    ] {
        let mut handlers = block
            .handlers
            .iter()
            .enumerate()
            .filter(|(_, handler)| handler.kind == kind);
        let Some((_, first)) = handlers.next() else {
            continue;
        };
        let mut kept = vec![first];
        for (index, duplicate) in handlers {
            let alternative = kept.iter().all(|kept| duplicate.is_alternative_to(kept));
            // Alternatives under `#[cfg]` each override the trait's method
            // under their condition. Those of init, connect, disconnect and
            // info make the connection's types: written with other types,
            // each type becomes the connection's under its own `#[cfg]`
            // (through a newtype, which a type naming an associated type of
            // a type parameter cannot have).
            let typed = matches!(
                kind,
                Kind::Init | Kind::Connect | Kind::Disconnect | Kind::Info
            );
            let types_fit = !typed
                || lifecycle_types(duplicate) == lifecycle_types(first)
                || [duplicate, first]
                    .into_iter()
                    .all(|handler| !value_names_associated_type(handler, &type_params));
            if alternative && types_fit {
                kept.push(duplicate);
                continue;
            }
            usable[index] = false;
            let message = if alternative {
                format!(
                    "`#[{}]` alternatives under `#[cfg]` that name an associated type of a type parameter must take and return the types the first, `{}`, does, written alike",
                    kind.marker(),
                    first.ident()
                )
            } else {
                format!(
                    "a second `#[{}]` handler; `{}` is already the one",
                    kind.marker(),
                    first.ident()
                )
            };
            errors.spanned(&duplicate.marker, message);
        }
    }
}

/// Whether a lifecycle handler's value type names an associated type of
/// one of `type_params` (`C::Frame`): such a type gets no newtype.
fn value_names_associated_type(handler: &Handler, type_params: &[&Ident]) -> bool {
    value_type(handler).is_some_and(|ty| names_associated_type(ty, type_params))
}

/// The types a lifecycle handler takes and returns, as written:
/// alternatives under `#[cfg]` that cannot each have a newtype must agree
/// on them.
fn lifecycle_types(handler: &Handler) -> (String, String) {
    let value = value_type(handler).map(|ty| quote::quote!(#ty).to_string());
    let output = handler.output().map(|ty| quote::quote!(#ty).to_string());
    (value.unwrap_or_default(), output.unwrap_or_default())
}

/// The first of the handler's lifetime parameters that a parameter or the
/// return type names: a lifetime only the receiver names (`async fn
/// get<'a>(&'a mut self)`) leaves the message variant and client method
/// nothing generic, so it is a plain handler.
fn lifetime_named_by_a_value(handler: &Handler) -> Option<&syn::LifetimeParam> {
    let sig = &handler.method.sig;
    // The context, and the stop reason `#[terminate]` takes, are lent for
    // the call: they may name one.
    let mut named: Vec<_> = handler
        .params
        .iter()
        .filter_map(|param| match param {
            Param::Context { .. } => None,
            Param::Value { .. } if handler.kind == Kind::Terminate => None,
            _ => Some(param.arg().ty.to_token_stream()),
        })
        .collect();
    named.push(sig.output.to_token_stream());
    sig.generics.lifetimes().find(|def| {
        named
            .iter()
            .any(|tokens| names_lifetime(tokens.clone(), &def.lifetime.ident))
    })
}

/// Whether `tokens` name the lifetime `'name` (a `'` joined to the ident).
fn names_lifetime(tokens: proc_macro2::TokenStream, name: &Ident) -> bool {
    let mut after_quote = false;
    tokens.into_iter().any(|token| {
        let found = match &token {
            TokenTree::Group(group) => names_lifetime(group.stream(), name),
            TokenTree::Ident(ident) => after_quote && ident == name,
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        };
        after_quote = matches!(&token, TokenTree::Punct(punct) if punct.as_char() == '\'');
        found
    })
}

fn check_signature(handler: &Handler, errors: &mut Errors) {
    let sig = &handler.method.sig;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            format!("handler `{}` must be an `async fn`", sig.ident),
        );
    }
    if let Some(borrowing) = lifetime_named_by_a_value(handler) {
        errors.spanned(
            borrowing,
            format!(
                "handler `{}`'s parameters and return value travel between tasks, so they cannot borrow for `{}`: use owned types (a lifetime only the receiver names is fine)",
                sig.ident, borrowing.lifetime
            ),
        );
    } else if sig
        .generics
        .params
        .iter()
        .any(|param| !matches!(param, syn::GenericParam::Lifetime(_)))
    {
        errors.spanned(
            &sig.generics,
            format!("handler `{}` cannot be generic", sig.ident),
        );
    } else if let Some(clause) = &sig.generics.where_clause {
        // `Generics` prints without its `where` clause: span the clause.
        errors.spanned(
            clause,
            format!(
                "handler `{}` cannot have a `where` clause: its message variant and client method name its types as they are; put bounds on the impl block",
                sig.ident
            ),
        );
    }
    let receiver = sig.inputs.first().and_then(|input| match input {
        FnArg::Receiver(receiver) => Some(receiver),
        FnArg::Typed(_) => None,
    });
    let expectation = format!("handler `{}` must take `&mut self`", sig.ident);
    match receiver {
        None => errors.spanned(&sig.ident, expectation),
        Some(receiver) => {
            // `&mut self`, or written out: `self: &mut Self`.
            let by_mut_ref = match &receiver.kind {
                ReceiverKind::Reference(_, _, mutability) => mutability.is_some(),
                ReceiverKind::Typed(_, ty) => matches!(
                    &**ty,
                    Type::Reference(reference)
                        if reference.mutability.is_some()
                            && matches!(&*reference.elem, Type::Path(path) if path.path.is_ident("Self"))
                ),
                _ => false,
            };
            if !by_mut_ref {
                errors.spanned(receiver, expectation);
            }
        }
    }
}

/// Each parameter of `handler`, its call's return type, and how many
/// values it takes for its kind.
fn check_params(handler: &Handler, self_ty: &str, errors: &mut Errors) {
    let mut seen = Seen::default();
    for param in &handler.params {
        check_param(handler, param, self_ty, &mut seen, errors);
    }
    check_call_return(handler, errors);
    check_value_count(handler, errors);
}

/// The contexts and `ReplyTo`s a handler's parameters took so far.
#[derive(Default)]
struct Seen {
    contexts: usize,
    replies: usize,
}

/// One parameter: a context as `&mut Context<Self>` (once, and not for
/// `#[terminate]`), a `ReplyTo` (once, and only for a call), an owned value,
/// not `impl Trait`. Any pattern is fine: the generated code names the
/// parameter by position where the pattern has no name.
fn check_param(
    handler: &Handler,
    param: &Param,
    self_ty: &str,
    seen: &mut Seen,
    errors: &mut Errors,
) {
    let name = handler.ident();
    let kind = handler.kind;
    match param {
        Param::Context { arg } => {
            seen.contexts += 1;
            let syn::Type::Reference(reference) = &*arg.ty else {
                unreachable!("classified as a context by its reference type")
            };
            let of_self = single_type_argument(&reference.elem, "Context")
                .is_some_and(|ty| type_key(ty) == "Self" || type_key(ty) == self_ty);
            if reference.mutability.is_none() || !of_self {
                errors.spanned(&arg.ty, "the context is taken as `&mut Context<Self>`");
            } else if seen.contexts > 1 {
                errors.spanned(arg, format!("handler `{name}` takes the context twice"));
            } else if kind == Kind::Terminate {
                errors.spanned(
                    arg,
                    format!("`#[{}]` handlers do not take a context", kind.marker()),
                );
            }
        }
        Param::ReplyTo { arg, .. } => {
            seen.replies += 1;
            if kind != Kind::Call {
                errors.spanned(
                    arg,
                    format!(
                        "only `#[call]` handlers take a `ReplyTo`; `#[{}]` has no caller to answer",
                        kind.marker()
                    ),
                );
            } else if seen.replies > 1 {
                errors.spanned(
                    arg,
                    format!("handler `{name}` takes a second `ReplyTo`; a call is answered once"),
                );
            }
        }
        // The stop reason is lent to `terminate`; everything else a
        // handler takes travels to the connection's task.
        Param::Value { arg, .. } if kind != Kind::Terminate => {
            if let Some(borrowed) = borrowed_part(&arg.ty) {
                let mut message = moved_value_message(kind);
                if let Type::Reference(reference) = &*arg.ty
                    && reference.mutability.is_some()
                    && matches!(&*reference.elem, Type::Path(_))
                {
                    // `ctx: &mut Ctx`, an alias of the context, lands here.
                    message.push_str(
                        "; if this is the connection's context under another name, write `&mut Context<Self>`: the macro knows it by that form",
                    );
                }
                errors.spanned(borrowed, message);
            }
        }
        Param::Value { .. } => {}
    }
    let arg = param.arg();
    if matches!(&*arg.ty, syn::Type::ImplTrait(_)) {
        errors.spanned(&arg.ty, "handler parameters cannot be `impl Trait`");
    }
}

/// A call's return value travels to its caller: owned, and a type it can
/// name.
fn check_call_return(handler: &Handler, errors: &mut Errors) {
    if let Some(spawn) = &handler.spawn {
        check_spawned_return(handler, spawn, errors);
    } else if handler.kind == Kind::Call
        && let syn::ReturnType::Type(_, ty) = &handler.method.sig.output
    {
        if let Some(borrowed) = borrowed_part(ty) {
            errors.spanned(
                borrowed,
                "a `#[call]`'s return value is sent back to its caller's task: return an owned type such as `String` or `Vec<u8>` (or a `&'static` reference)",
            );
        } else if let Some(opaque) = opaque_part(ty) {
            errors.spanned(
                opaque,
                "a `#[call]` cannot return `impl Trait`: the reply travels to its caller in a channel, which needs a type to name; return a concrete type, or a `Box<dyn Trait + Send>`",
            );
        }
    }
}

/// A `#[call(spawn)]` returns the future that answers it, written with its
/// output (`impl Future<Output = R>`), and takes no `ReplyTo`; `R` travels
/// as a returned reply does.
fn check_spawned_return(handler: &Handler, spawn: &syn::Path, errors: &mut Errors) {
    if let Some((arg, _, _)) = handler.reply_to() {
        errors.spanned(
            arg,
            "a `#[call(spawn)]` is answered with the output of the future it returns: take no `ReplyTo`, or drop `spawn` and answer through it",
        );
        return;
    }
    let Some(reply) = handler.spawned_output() else {
        let message = "`spawn` runs the future the handler returns on a task of its own and answers the call with its output: return `impl Future<Output = R>`";
        match handler.output() {
            Some(output) => errors.spanned(output, message),
            None => errors.spanned(spawn, message),
        }
        return;
    };
    if let Some(borrowed) = borrowed_part(reply) {
        errors.spanned(
            borrowed,
            "a `#[call(spawn)]`'s answer is sent back to its caller's task: make the future's output an owned type such as `String` or `Vec<u8>` (or a `&'static` reference)",
        );
    } else if let Some(opaque) = opaque_part(reply) {
        errors.spanned(
            opaque,
            "a `#[call(spawn)]`'s answer travels to its caller in a channel, which needs a type to name: make the future's output a concrete type, or a `Box<dyn Trait + Send>`",
        );
    }
}

/// How many values a handler of its kind takes (and the `Attempt<I>` and
/// `&Stop` forms of the connect and terminate handlers').
fn check_value_count(handler: &Handler, errors: &mut Errors) {
    let (name, kind) = (handler.ident(), handler.kind);
    // A misplaced `ReplyTo` was reported by `check_param`; counted as the
    // value it stands in for, it causes no second error.
    let values: Vec<_> = handler
        .params
        .iter()
        .filter(|param| match param {
            Param::Value { .. } => true,
            Param::ReplyTo { .. } => kind != Kind::Call,
            Param::Context { .. } => false,
        })
        .map(Param::arg)
        .collect();
    let expect_values =
        |errors: &mut Errors, range: std::ops::RangeInclusive<usize>, what: &str| {
            if !range.contains(&values.len()) {
                let target = values.get(*range.end()).map_or_else(
                    || quote::ToTokens::to_token_stream(&handler.method.sig.ident),
                    quote::ToTokens::to_token_stream,
                );
                errors.spanned(
                    target,
                    format!("`#[{}]` handler `{name}` {what}", kind.marker()),
                );
            }
        };
    match kind {
        Kind::Init => expect_values(errors, 0..=0, "takes no parameters besides `&mut self`"),
        Kind::Timeout | Kind::Flush => expect_values(
            errors,
            0..=0,
            "takes no parameters besides `&mut self` and the context",
        ),
        Kind::Connect => {
            expect_values(
                errors,
                0..=1,
                "takes one parameter besides the context: `attempt: Attempt<I>`",
            );
            if let Some(arg) = values.first()
                && single_type_argument(&arg.ty, "Attempt").is_none()
            {
                errors.spanned(
                    &arg.ty,
                    "a `#[connect]` handler takes `Attempt<I>`, written so, where `I` is the connect info type: the macro reads `I` from it, and cannot see through an alias",
                );
            }
        }
        Kind::Disconnect => expect_values(
            errors,
            1..=1,
            "takes one parameter besides the context: the disconnect info, such as `why: Why`",
        ),
        Kind::Info => expect_values(
            errors,
            1..=1,
            "takes one parameter besides the context: the message, such as `message: Incoming`",
        ),
        Kind::Terminate => {
            expect_values(
                errors,
                0..=1,
                "takes at most one parameter: `reason: &Stop`",
            );
            if let Some(arg) = values.first() {
                let is_stop_ref = matches!(&*arg.ty, syn::Type::Reference(r) if r.mutability.is_none() && last_segment_is(&r.elem, "Stop"));
                if !is_stop_ref {
                    errors.spanned(&arg.ty, "`#[terminate]` takes the reason as `&Stop`");
                }
            }
        }
        Kind::Call | Kind::Cast => {}
    }
}

/// Whether a lifecycle handler's return type, not written `Init<I>`,
/// `Connect` or `Disconnect<I>`, may be an alias of it (`type Outcome =
/// Connect;`, `Disconnect as Gone`): a path the macro does not know. Names
/// that are surely something else (`Result`, `Option`, a primitive, another
/// outcome) are the macro's error; an alias that is not the outcome is
/// rustc's mismatch, at the handler.
fn may_be_an_alias(ty: &Type) -> bool {
    const KNOWN: &[&str] = &[
        "Result",
        "Option",
        "Vec",
        "Box",
        "String",
        "Init",
        "Connect",
        "Disconnect",
        "Attempt",
        "Stop",
    ];
    match ty {
        Type::Path(path) => path.path.segments.last().is_some_and(|last| {
            !KNOWN
                .iter()
                .chain(PRIMITIVE_TYPES)
                .any(|name| last.ident == name)
        }),
        _ => false,
    }
}

fn check_output(handler: &Handler, errors: &mut Errors) {
    let sig = &handler.method.sig;
    let expected = match handler.kind {
        Kind::Init => Some("Init"),
        Kind::Connect => Some("Connect"),
        Kind::Disconnect => Some("Disconnect"),
        Kind::Call | Kind::Cast | Kind::Info | Kind::Timeout | Kind::Flush | Kind::Terminate => {
            None
        }
    };
    match (expected, &sig.output) {
        (Some(name), ReturnType::Default) => errors.spanned(
            &sig.ident,
            format!(
                "`#[{}]` handler `{}` must return `{}`",
                handler.kind.marker(),
                sig.ident,
                return_shape(name)
            ),
        ),
        (Some(name), ReturnType::Type(_, ty))
            if !last_segment_is(ty, name) && !may_be_an_alias(ty) =>
        {
            errors.spanned(
                ty,
                format!(
                    "`#[{}]` handlers return `{}`",
                    handler.kind.marker(),
                    return_shape(name)
                ),
            );
        }
        // A `spawn` with a `ReplyTo` is reported once, at the `ReplyTo`.
        (None, _)
            if handler.kind == Kind::Call
                && handler.reply_to().is_some()
                && handler.spawn.is_none() =>
        {
            if let Some(output) = handler.output() {
                errors.spanned(
                    output,
                    "a call that takes a `ReplyTo` answers through it and returns nothing",
                );
            }
        }
        (None, _) if handler.kind != Kind::Call => {
            if let Some(output) = handler.output() {
                errors.spanned(
                    output,
                    format!("`#[{}]` handlers return nothing", handler.kind.marker()),
                );
            }
        }
        _ => {}
    }
    if let Some(flatten) = &handler.flatten
        && handler.flattened().is_none()
    {
        let reply = handler
            .reply()
            .map_or_else(|| "()".to_owned(), |ty| quote::quote!(#ty).to_string());
        errors.spanned(
            flatten,
            format!(
                "`flatten` needs a reply that is a `Result<T, E>` (or an alias of one), with `E: From<CallError>`, so that a failed call is an `E` too; `{}` replies `{reply}`",
                sig.ident
            ),
        );
    }
}

/// A type as a comparable string: `Tcp`, `Self`, `net::Tcp`.
fn type_key(ty: &syn::Type) -> String {
    quote::ToTokens::to_token_stream(ty)
        .to_string()
        .replace(' ', "")
}

fn return_shape(name: &str) -> &'static str {
    match name {
        "Init" => "Init<I>",
        "Connect" => "Connect",
        _ => "Disconnect<I>",
    }
}

fn check_names(block: &Block, errors: &mut Errors, usable: &mut [bool]) {
    let mut variants: HashMap<String, Vec<&Handler>> = HashMap::new();
    let requests = block
        .handlers
        .iter()
        .enumerate()
        .filter(|(_, handler)| handler.kind.is_request());
    for (index, handler) in requests {
        let before = errors.len();
        let name = handler.ident().unraw().to_string();
        if CLIENT_METHODS.contains(&name.as_str()) {
            errors.spanned(
                handler.ident(),
                format!(
                    "`{name}` clashes with the generated client's own `{name}` method; rename the handler"
                ),
            );
        }
        match handler.variant() {
            None => errors.spanned(
                handler.ident(),
                format!(
                    "`{name}` gives no valid message variant name in UpperCamelCase; rename the handler"
                ),
            ),
            Some(variant) => {
                let variant = variant.to_string();
                let before = variants.entry(variant.clone()).or_default();
                // `#[cfg]` alternatives become alternative variants.
                if let Some(first) = before
                    .iter()
                    .find(|before| !handler.is_alternative_to(before))
                {
                    errors.spanned(
                        handler.ident(),
                        format!(
                            "`{name}` and `{}` both become the message variant `{variant}`; rename one",
                            first.ident()
                        ),
                    );
                } else {
                    before.push(handler);
                }
            }
        }
        if handler.reply_to().is_none() {
            for (arg, ident) in handler.values() {
                if ident == "reply_to" {
                    errors.spanned(
                        &arg.pat,
                        "`reply_to` is the name of the generated reply field; rename the parameter",
                    );
                }
            }
        }
        if errors.len() > before {
            usable[index] = false;
        }
    }
    for item in &block.item.items {
        if let ImplItem::Fn(method) = item
            && TYPE_METHODS.iter().any(|name| method.sig.ident == name)
        {
            errors.spanned(
                &method.sig.ident,
                format!(
                    "`{}` clashes with the generated `{}` that starts the connection; rename the method",
                    method.sig.ident, method.sig.ident
                ),
            );
        }
    }
}

/// What the message for a borrowed type in a handler's parameter says.
fn moved_value_message(kind: Kind) -> String {
    let what = match kind {
        Kind::Call | Kind::Cast => format!(
            "arguments of a `#[{}]` are moved into the message sent to the connection's task",
            kind.marker()
        ),
        Kind::Info => "the `#[info]` message is sent to the connection's task".to_owned(),
        Kind::Connect => {
            "the connect info travels to the connection's task (from `init`, a handler or `disconnect`)"
                .to_owned()
        }
        Kind::Disconnect => {
            "the disconnect info travels to the connection's task (from a handler, a timer or a link watch)"
                .to_owned()
        }
        _ => format!(
            "what `#[{}]` is given is kept by the connection's task",
            kind.marker()
        ),
    };
    format!("{what}: take an owned type such as `String` or `Vec<u8>` (or a `&'static` reference)")
}

/// The first borrow in `ty` that is not `'static` (`&str`, `&'a [u8]`), if
/// any: a value sent to the connection's task cannot hold one.
pub(crate) fn borrowed_part(ty: &Type) -> Option<&syn::TypeReference> {
    find_in_type(ty, &|part| match part {
        Type::Reference(reference)
            if reference
                .lifetime
                .as_ref()
                .is_none_or(|lifetime| lifetime.ident != "static") =>
        {
            Some(reference)
        }
        _ => None,
    })
}

/// The first `impl Trait` in `ty`, if any.
fn opaque_part(ty: &Type) -> Option<&syn::TypeImplTrait> {
    find_in_type(ty, &|part| match part {
        Type::ImplTrait(opaque) => Some(opaque),
        _ => None,
    })
}

/// The generated client and message enum need names of their own: not the
/// connection type's, nor each other's. Reports a clash on the option that
/// made it, and says whether there is none.
fn check_generated_names(
    options: &Options,
    self_ident: &proc_macro2::Ident,
    (client, message): &(proc_macro2::Ident, proc_macro2::Ident),
    errors: &mut Errors,
) -> bool {
    let mut apart = true;
    for (given, what) in [
        (&options.client, "client"),
        (&options.message, "message enum"),
    ] {
        if let Some(given) = given
            && given == self_ident
        {
            errors.spanned(
                given,
                format!(
                    "`{given}` is the connection type's own name; the generated {what} needs one of its own, such as `{self_ident}{}`",
                    if what == "client" { "Client" } else { "Message" }
                ),
            );
            apart = false;
        }
    }
    if apart && client == message {
        let at = options.message.as_ref().or(options.client.as_ref());
        let text = format!(
            "the client and the message enum would both be `{client}`: give them different names with `client = ..` and `message = ..`"
        );
        match at {
            Some(at) => errors.spanned(at, text),
            None => errors.spanned(self_ident, text),
        }
        apart = false;
    }
    apart
}

/// Traits of the standard library without `Send` among their supertraits:
/// a `dyn` of one of them is `Send` only when written so.
const NOT_SEND_BY_THEMSELVES: &[&str] = &[
    "Error", "Fn", "FnMut", "FnOnce", "Any", "Future", "Iterator", "Debug", "Display", "Read",
    "Write",
];

/// Whether `ty` cannot be sent to the connection's task as written: it
/// holds a borrow. Reported by validation, and kept out of the expansion's
/// types so that it is reported once.
pub(crate) fn is_borrowed(ty: &Type) -> bool {
    borrowed_part(ty).is_some()
}

/// Why a type sent between tasks is likely not `Send`, judged by its
/// written form: only the wording of the type-based check that decides
/// (a type of the user's own named `Rc`, or a trait of their own named
/// `Error` with `Send` among its supertraits, is `Send` and passes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotSendHint {
    /// It holds an `Rc` (or an `rc::Weak`).
    Rc,
    /// It holds a `dyn Trait` of a standard trait without `+ Send`.
    Dyn,
    /// It holds a shared reference to a `dyn Trait` without `+ Sync`.
    SharedDyn,
}

/// What in `ty`'s written form is likely not `Send` (see [`NotSendHint`]).
pub(crate) fn not_send_hint(ty: &Type) -> Option<NotSendHint> {
    hint_within(
        ty,
        Needs {
            send: true,
            sync: false,
        },
    )
}

/// What a part of a sent type must be: `Send`, and `Sync` behind a shared
/// reference or an `Arc`.
#[derive(Clone, Copy)]
struct Needs {
    send: bool,
    sync: bool,
}

fn hint_within(ty: &Type, needs: Needs) -> Option<NotSendHint> {
    match ty {
        Type::Reference(reference) => {
            let needs = if reference.mutability.is_some() {
                needs
            } else {
                Needs {
                    send: false,
                    sync: true,
                }
            };
            hint_within(&reference.elem, needs)
        }
        Type::Array(array) => hint_within(&array.elem, needs),
        Type::Slice(slice) => hint_within(&slice.elem, needs),
        Type::Paren(paren) => hint_within(&paren.elem, needs),
        Type::Group(group) => hint_within(&group.elem, needs),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(|ty| hint_within(ty, needs)),
        Type::TraitObject(object) => {
            if needs.send && lacks(object, "Send") {
                Some(NotSendHint::Dyn)
            } else if needs.sync && lacks(object, "Sync") {
                Some(NotSendHint::SharedDyn)
            } else {
                None
            }
        }
        Type::Path(path) => {
            let segments = &path.path.segments;
            let last = segments.last()?;
            let in_rc = segments.iter().any(|segment| segment.ident == "rc");
            if last.ident == "Rc" || (last.ident == "Weak" && in_rc) {
                return Some(NotSendHint::Rc);
            }
            let needs = if last.ident == "Arc" {
                Needs {
                    send: true,
                    sync: true,
                }
            } else {
                needs
            };
            segments
                .iter()
                .filter_map(|segment| match &segment.arguments {
                    syn::PathArguments::AngleBracketed(arguments) => Some(arguments.args.iter()),
                    _ => None,
                })
                .flatten()
                .find_map(|argument| match argument {
                    syn::GenericArgument::Type(ty) => hint_within(ty, needs),
                    _ => None,
                })
        }
        _ => None,
    }
}

/// Whether `object` is of a standard trait that is not `auto` by itself
/// (`Send` or `Sync`) and is not written `+ auto`.
fn lacks(object: &syn::TypeTraitObject, auto: &str) -> bool {
    let mut traits = object.bounds.iter().filter_map(|bound| match bound {
        syn::TypeParamBound::Trait(bound) => bound.path.segments.last(),
        _ => None,
    });
    let Some(first) = traits.next() else {
        return false;
    };
    let written = first.ident == auto || traits.any(|segment| segment.ident == auto);
    !written
        && NOT_SEND_BY_THEMSELVES
            .iter()
            .any(|name| first.ident == name)
}

/// Whether `ty`'s written form is `Send` whatever its path resolves to:
/// primitives ([`PRIMITIVE_TYPES`]), and the standard owned containers of
/// such types. A user type
/// of the same name only loses the early check, and gets rustc's.
pub(crate) fn surely_send(ty: &Type) -> bool {
    /// Owned containers and plain values of the standard library.
    const SEND: &[&str] = &[
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
            SEND.iter()
                .chain(PRIMITIVE_TYPES)
                .any(|name| last.ident == name)
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
