//! The names a `#[call]` or `#[cast]` may not take, because the generated
//! client already has a method of that name, are listed in the macro crate
//! (`CLIENT_METHODS` in `validate.rs`); the lifecycle methods themselves
//! are written once in the runtime (`lifecycle.rs`). This test reads both
//! and fails if a lifecycle method is not reserved: a handler of that name
//! would silently shadow it.

use std::path::Path;

fn source(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The names of the `fn`s the lifecycle macro defines.
fn lifecycle_methods() -> Vec<String> {
    source("connection-runtime/src/lifecycle.rs")
        .split("fn ")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// The string literals of `CLIENT_METHODS`.
fn reserved_client_methods() -> Vec<String> {
    let validate = source("connection-macros/src/validate.rs");
    let start = validate
        .find("const CLIENT_METHODS: &[&str] = &[")
        .expect("CLIENT_METHODS in validate.rs");
    let list = &validate[start..];
    let list = &list[..list.find("];").expect("the end of CLIENT_METHODS")];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_lifecycle_method_is_a_reserved_name() {
    let lifecycle = lifecycle_methods();
    assert_eq!(
        lifecycle,
        [
            "stop",
            "stopped",
            "is_alive",
            "is_connected",
            "timeout",
            "with_timeout",
            "without_timeout"
        ],
        "the lifecycle methods read from lifecycle.rs"
    );
    let reserved = reserved_client_methods();
    for method in &lifecycle {
        assert!(
            reserved.contains(method),
            "`{method}` is a lifecycle method of every generated client but not in the macro's CLIENT_METHODS: a handler named `{method}` would shadow it"
        );
    }
}
