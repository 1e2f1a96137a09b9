//! Compile-fail cases: each misuse of `#[connection]` gets one clear error on
//! the user's own token. Regenerate the `.stderr` files after an intended
//! change with `TRYBUILD=overwrite cargo test --test ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
