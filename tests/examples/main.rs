//! The examples end to end, one module each: the line key-value store, the
//! TCP connection, and the Redis and PostgreSQL clients against real
//! servers (those tests are `#[ignore]`d: `cargo test --test examples redis::
//! -- --include-ignored`, likewise `postgres::`). One test binary.

mod line_kv;
mod postgres;
mod redis;
mod tcp_connection;
