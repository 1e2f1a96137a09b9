//! Tests of the whole pipeline on token streams: expansion snapshots, and
//! no panic on any input.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::entry;

/// `tests/expand` at the workspace root.
fn expand_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/expand")
}

/// Expands every `#[connection]` block of a source file with the macro's
/// own pipeline and pretty-prints the result.
fn expand_source(source: &str) -> String {
    let mut file: syn::File = syn::parse_str(source).expect("the input parses");
    let mut items = Vec::new();
    for item in file.items {
        let syn::Item::Impl(mut block) = item else {
            items.push(item);
            continue;
        };
        let Some(at) = block
            .attrs
            .iter()
            .position(|a| a.path().is_ident("connection"))
        else {
            items.push(syn::Item::Impl(block));
            continue;
        };
        let args = match block.attrs.remove(at).meta {
            syn::Meta::List(list) => list.tokens,
            _ => TokenStream::new(),
        };
        let output = entry::connection(args, block.to_token_stream());
        let expanded: syn::File = syn::parse2(output).expect("the expansion parses");
        items.extend(expanded.items);
    }
    file.items = items;
    prettyplease::unparse(&file)
}

/// Compares each `tests/expand/NAME.rs` expanded with
/// `tests/expand/NAME.expanded.rs`. `UPDATE_EXPANSIONS=1` rewrites the
/// snapshots instead.
#[test]
fn expansions_match_their_snapshots() {
    let update = std::env::var_os("UPDATE_EXPANSIONS").is_some();
    let mut inputs: Vec<_> = std::fs::read_dir(expand_dir())
        .expect("tests/expand exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".rs") && !name.ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 3,
        "expected the snapshot inputs, found {inputs:?}"
    );
    let mut stale = Vec::new();
    for input in inputs {
        let expanded = expand_source(&std::fs::read_to_string(&input).unwrap());
        let snapshot = input.with_extension("expanded.rs");
        if update {
            std::fs::write(&snapshot, &expanded).unwrap();
        } else if std::fs::read_to_string(&snapshot).ok().as_deref() != Some(expanded.as_str()) {
            stale.push(snapshot.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "expansion changed for {stale:?}; review it with `UPDATE_EXPANSIONS=1 cargo test -p connection-macros` and `git diff`"
    );
}

/// Malformed, truncated and unexpected inputs give errors, never a panic.
#[test]
fn no_input_makes_the_macro_panic() {
    let full = std::fs::read_to_string(expand_dir().join("every_marker.rs")).unwrap();
    let block_at = full.find("impl Device").unwrap();
    let block = TokenStream::from_str(&full[block_at..]).unwrap();
    let body = block.clone().into_iter().last().unwrap();
    let proc_macro2::TokenTree::Group(body) = body else {
        panic!("the impl ends with its body")
    };
    let body: Vec<_> = body.stream().into_iter().collect();

    let mut items: Vec<String> = vec![
        String::new(),
        "struct Conn;".into(),
        "fn f() {}".into(),
        "impl".into(),
        "impl Conn".into(),
        "impl Conn {}".into(),
        "impl<'a> Conn<'a> {}".into(),
        "impl<const N: usize> Conn<N> {}".into(),
        "impl [u8] {}".into(),
        "impl Conn { #[call] }".into(),
        "impl Conn { #[call] fn }".into(),
        "impl Conn { #[call] async fn __(&mut self) {} }".into(),
        "impl Conn { #[call] async fn self_(&mut self) {} }".into(),
        "impl Conn { #[connect] #[disconnect] async fn both(&mut self, x: Attempt<()>) -> Connect {} }".into(),
        "impl Conn { #[connect] async fn c(&mut self, a: Attempt) -> Connect {} }".into(),
        "impl Conn { #[terminate] async fn t(&mut self, a: &Stop, b: &Stop) {} }".into(),
        "impl Conn { #[call] async fn f(&mut self, ctx: &mut Context, c: &mut Context<Self>) {} }".into(),
        "impl Conn { #[call] async fn f(&mut self, r: ReplyTo, s: ReplyTo<u8, u8>) {} }".into(),
        "impl Conn { #[info] async fn i(self: Box<Self>) {} }".into(),
        "impl Conn { const X: u8 = 1; type T = u8; m!(); }".into(),
        "impl Conn { #[call] async fn f(&mut self, (a, b): (u8, u8), _: u8, arg1: u8) {} }".into(),
    ];
    // Every prefix of a real block's body: truncated handlers of every kind.
    for end in 0..=body.len() {
        let prefix: TokenStream = body[..end].iter().cloned().collect();
        items.push(format!("impl Device {{ {prefix} }}"));
    }
    let args = [
        "",
        "client",
        "client =",
        "client = 1",
        "client = A, client = B",
        "crate = \"not a path!\"",
        "crate = ::a::b",
        "vis = nonsense",
        "vis = pub(crate), message = M",
        "=",
        "(",
    ];
    for item in &items {
        for args in args {
            let Ok(args) = TokenStream::from_str(args) else {
                continue;
            };
            // A prefix may split a lifetime's `'` from its name: rustc could
            // never hand the macro that, so it is skipped.
            let Ok(item) = TokenStream::from_str(item) else {
                continue;
            };
            // A panic fails the test; the output is only required to exist.
            let _ = entry::connection(args, item);
        }
    }
}
