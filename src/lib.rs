//! The workspace's integration tests (`tests/`) and examples (`examples/`)
//! live in this package so that they use the crates exactly as a user does,
//! through `connection-runtime` alone.
//!
//! Its library holds two fixtures: [`strict`], a connection exported from a
//! library under strict lints (`missing_docs` is not checked in test targets,
//! so generated code can only prove it is documented here; `tests/expansion/lints.rs`
//! drives it), and [`sealed`], whose info methods stay inside this crate
//! (`tests/ui/info-from-another-crate.rs` tries to forge one).

#![deny(warnings, missing_docs, unused_qualifications, unreachable_pub)]
#![deny(clippy::all, clippy::pedantic)]

/// A documented public connection, as a library would export it.
pub mod strict {
    use connection::{Attempt, Connect, Context, Disconnect, ReplyTo, Stop, connection};

    /// A connection with every kind of handler.
    pub struct Strict {
        value: u64,
    }

    impl Strict {
        /// A new one.
        #[must_use]
        pub fn new() -> Self {
            Strict { value: 0 }
        }
    }

    impl Default for Strict {
        fn default() -> Self {
            Self::new()
        }
    }

    /// Why it disconnects.
    #[derive(Debug)]
    pub enum Why {
        /// Asked to.
        Asked,
    }

    #[connection(info_vis = pub)]
    impl Strict {
        #[init]
        async fn init(&mut self) -> connection::Init<u8> {
            connection::Init::Connect(1)
        }

        #[connect]
        async fn connect(&mut self, attempt: Attempt<u8>, ctx: &mut Context<Self>) -> Connect {
            if let Attempt::Requested(info) = attempt {
                self.value += u64::from(info);
            }
            ctx.idle_timeout(std::time::Duration::from_secs(60));
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, why: Why) -> Disconnect<u8> {
            let Why::Asked = why;
            Disconnect::NoConnect
        }

        /// Adds `n`.
        #[call]
        async fn add(&mut self, n: u64) -> u64 {
            self.value += n;
            self.value
        }

        /// No reply value.
        #[call]
        async fn touch(&mut self) {}

        /// Answers later.
        #[call]
        async fn deferred(&mut self, reply: ReplyTo<u64>) {
            let _ = reply.send(self.value);
        }

        /// Disconnects.
        #[cast]
        async fn drop_link(&mut self, ctx: &mut Context<Self>) {
            ctx.disconnect(Why::Asked);
        }

        #[info]
        async fn on_info(&mut self, message: u64) {
            self.value = message;
        }

        #[timeout]
        async fn idle(&mut self) {}

        #[terminate]
        async fn terminate(&mut self, reason: &Stop) {
            let _ = reason;
        }
    }
}

/// A connection exported from a library whose `#[info]` handler is fed only
/// by the library itself: its client's info methods are not published.
pub mod sealed {
    use connection::{Attempt, Connect, Disconnect, connection};

    /// What only the library feeds it.
    #[derive(Debug)]
    pub struct Frame(pub u64);

    /// The connection.
    #[derive(Default)]
    pub struct Sealed {
        last: u64,
    }

    #[connection]
    impl Sealed {
        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
            Disconnect::NoConnect
        }

        /// The last frame fed.
        #[call]
        async fn last(&mut self) -> u64 {
            self.last
        }

        #[info]
        async fn on_frame(&mut self, frame: Frame) {
            self.last = frame.0;
        }
    }
}
