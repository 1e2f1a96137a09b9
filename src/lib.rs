//! The workspace's integration tests (`tests/`) and examples (`examples/`)
//! live in this package so that they use the crates exactly as a user does,
//! through `connection-runtime` alone. It has no library API of its own.
