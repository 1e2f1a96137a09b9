//! What `#[connection]` generates and what it refuses, one module each: the
//! UI cases (trybuild: every misuse's error, and the valid programs that
//! must compile and run), the wording of the errors, hygiene, generic
//! blocks, glob imports, the reserved names, and lint-cleanliness in a
//! strict crate. One test binary: `cargo test --test expansion [module::]`.

mod generics;
mod glob_imports;
mod hygiene;
mod lints;
mod reserved_names;
mod ui;
mod ui_stderr;
