//! The handler markers (`#[call]`, `#[connect]`, ..) as attributes of their
//! own. Inside a `#[connection]` block they never run: the block's macro
//! removes them first. These definitions only answer a marker placed
//! anywhere else with an error that says where it belongs.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::quote;

use crate::parse::Kind;

/// The item unchanged, plus an error on the misplaced marker.
pub(crate) fn misplaced(kind: Kind, item: TokenStream) -> TokenStream {
    let message = format!(
        "`#[{}]` marks a handler inside an impl block annotated with `#[connection]`",
        kind.marker()
    );
    let error = syn::Error::new(Span::call_site(), message).into_compile_error();
    quote!(#error #item)
}

/// Removes every marker attribute from `tokens`, without parsing them as
/// Rust: for input that does not parse, so that rustc reports the real
/// syntax error and not also each marker.
pub(crate) fn strip(tokens: TokenStream) -> TokenStream {
    let mut kept = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(pound) if pound.as_char() == '#' => {
                if let Some(TokenTree::Group(attribute)) = tokens.peek()
                    && is_marker(attribute)
                {
                    tokens.next();
                    continue;
                }
                kept.push(TokenTree::Punct(pound));
            }
            TokenTree::Group(group) => {
                let mut stripped = Group::new(group.delimiter(), strip(group.stream()));
                stripped.set_span(group.span());
                kept.push(TokenTree::Group(stripped));
            }
            other => kept.push(other),
        }
    }
    kept.into_iter().collect()
}

fn is_marker(attribute: &Group) -> bool {
    if attribute.delimiter() != Delimiter::Bracket {
        return false;
    }
    let mut inside = attribute.stream().into_iter();
    let name = match inside.next() {
        Some(TokenTree::Ident(name)) => name,
        _ => return false,
    };
    let bare_or_list = match inside.next() {
        None => true,
        Some(TokenTree::Group(args)) => args.delimiter() == Delimiter::Parenthesis,
        Some(TokenTree::Punct(eq)) => eq.as_char() == '=',
        Some(TokenTree::Ident(_) | TokenTree::Literal(_)) => false,
    };
    bare_or_list && Kind::ALL.iter().any(|kind| name == kind.marker())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_removes_markers_at_any_depth_and_keeps_other_attributes() {
        let input = quote! {
            impl Conn {
                #[call]
                #[doc = "kept"]
                async fn f(&mut self) { #[inline] fn g() {} }
                #[cast(when = 1)]
                async fn h(&mut self) -> }
        };
        let output = strip(input).to_string();
        assert!(!output.contains("call"), "{output}");
        assert!(!output.contains("cast"), "{output}");
        assert!(output.contains("doc"), "{output}");
        assert!(output.contains("inline"), "{output}");
    }
}
