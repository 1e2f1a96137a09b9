//! UI cases: each misuse of `#[connection]` gets one clear error on
//! the user's own token (`tests/ui/*.rs`), and blocks that must compile and
//! run (`tests/ui/pass/`). Regenerate the `.stderr` files after an intended
//! change with `TRYBUILD=overwrite cargo test --test expansion ui::`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
