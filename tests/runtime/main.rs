//! The runtime as a user drives it, one module per concern: options,
//! pipelining, pools (and pools by key), tower services, typed replies, and the chaos suite.
//! One test binary: `cargo test --test runtime [module::]`.

#[path = "../support/line_peer.rs"]
mod line_peer;

mod chaos;
mod hand_written;
mod module_layers;
mod options;
mod pipeline;
mod pool;
mod pool_map;
mod spawned_calls;
mod tower;
mod typed_replies;
