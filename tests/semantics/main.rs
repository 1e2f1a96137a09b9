//! The original's semantics (`connection-semantics.md` §3 to §7), one test per
//! rule, on tokio's paused clock.

mod probe;

mod backoff;
mod backoff_policy;
mod batches;
mod calling_self;
mod disconnect;
mod durations;
mod feeds;
mod flush;
mod idle;
mod init_and_connect;
mod init_context;
mod replies;
mod restart;
mod shutdown;
mod stop;
mod when_disconnected;
