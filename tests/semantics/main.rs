//! The original's semantics, one test per rule, on tokio's paused clock:
//! §3 to §7 of `connection-semantics.md`, the original's behaviour as
//! checked by running it (reference material kept beside this repository,
//! not in it).

mod probe;

mod backoff;
mod backoff_policy;
mod batches;
mod calling_self;
mod connect_timeout;
mod disconnect;
mod durations;
mod feeds;
mod flush;
mod idle;
mod init_and_connect;
mod init_context;
mod link_tokens;
mod replies;
mod restart;
mod shutdown;
mod stop;
mod when_disconnected;
