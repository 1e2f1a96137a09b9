//! The `#[connection]` attribute macro.
//!
//! Use it through the `connection-runtime` crate (`connection::connection`),
//! which documents it and provides every item the generated code names.
//!
//! The crate is split by pass: `parse` reads the options and the impl block
//! into a model, `validate` checks every rule and collects every error, and
//! `expand` generates the code of a valid block.

mod entry;
mod errors;
mod expand;
mod markers;
mod model;
mod parse;
mod validate;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

use crate::parse::Kind;

/// Turns an inherent impl block into a connection. See `connection::connection`.
#[proc_macro_attribute]
pub fn connection(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::connection(args.into(), item.into()).into()
}

macro_rules! markers {
    ($($(#[$doc:meta])* $name:ident => $kind:ident,)*) => {$(
        $(#[$doc])*
        #[proc_macro_attribute]
        pub fn $name(_args: TokenStream, item: TokenStream) -> TokenStream {
            markers::misplaced(Kind::$kind, item.into()).into()
        }
    )*};
}

markers! {
    /// Marks the `init` handler of a `#[connection]` block.
    init => Init,
    /// Marks the `connect` handler of a `#[connection]` block.
    connect => Connect,
    /// Marks the `disconnect` handler of a `#[connection]` block.
    disconnect => Disconnect,
    /// Marks a request/reply handler of a `#[connection]` block.
    call => Call,
    /// Marks a fire-and-forget handler of a `#[connection]` block.
    cast => Cast,
    /// Marks the out-of-band message handler of a `#[connection]` block.
    info => Info,
    /// Marks the idle-timeout handler of a `#[connection]` block.
    timeout => Timeout,
    /// Marks the flush handler of a `#[connection]` block: it runs once the
    /// mailbox is drained, before the connection waits.
    flush => Flush,
    /// Marks the `terminate` handler of a `#[connection]` block.
    terminate => Terminate,
}
