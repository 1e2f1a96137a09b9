//! What the expansion generates from, resolved once from the handlers
//! `validate` left usable: the connection's connect, disconnect and info
//! types (and which of them get a newtype), and the types that cross
//! between tasks. The generating files read these instead of walking the
//! handlers again (each request's own parts they still read from it).

use proc_macro2::Ident;
use quote::quote;
use syn::Type;
use syn::visit_mut::VisitMut;

use super::checks::surely_send;
use super::{value_type, with_static_borrows};
use crate::parse::{Block, Kind, is_unit, single_type_argument};
use crate::validate::is_borrowed;

/// The connection's three info types.
pub(super) struct Infos {
    /// `I` of the `#[connect]` handler's `Attempt<I>` (a borrow, reported,
    /// made `'static` so that the rest of the block gives no second error),
    /// or `()` without one.
    pub(super) connect: Type,
    pub(super) connect_newtype: bool,
    /// The `#[disconnect]` handler's value type, unless it is borrowed
    /// (reported; `()` stands in for it).
    pub(super) disconnect: Option<Type>,
    pub(super) disconnect_newtype: bool,
    /// The `#[info]` handler's message type, unless it is borrowed.
    pub(super) info: Option<Type>,
    pub(super) info_newtype: bool,
}

impl Infos {
    /// From the first handler of each kind, usable or not: its types still
    /// say what the block means when something else about it is wrong.
    pub(super) fn resolve(block: &Block, type_params: &[&Ident]) -> Infos {
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
        Infos {
            connect_newtype: newtype(Some(&connect)),
            disconnect_newtype: newtype(disconnect.as_ref()),
            info_newtype: newtype(info.as_ref()),
            connect,
            disconnect,
            info,
        }
    }
}

/// Whether the `#[info]` or `#[disconnect]` type `ty` becomes the
/// connection's `Info` or `DisconnectInfo` through a newtype
/// ([`super::Expansion::info_wrappers`]): not `()`, which is public and
/// converts into nothing else, nor a type naming an associated type of one of the
/// block's `type_params` (`C::Frame`), whose `From` impl for the newtype
/// rustc cannot tell apart from the standard `impl<T> From<T> for T`
/// (E0119).
pub(super) fn gets_newtype(ty: &Type, type_params: &[&Ident]) -> bool {
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
pub(super) fn sent_types(block: &Block, usable: &[bool], self_ty: &Type) -> Vec<Type> {
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
