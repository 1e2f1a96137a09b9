//! The generated client's lifecycle methods, written once: every
//! `#[connection]` client gets them from [`client_lifecycle!`], forwarding
//! to the runtime [`Client`](crate::Client) it wraps. The macro crate's
//! list of names a handler may not take (`validate.rs`) is checked against
//! this file by `tests/expansion/reserved_names.rs`.

/// The lifecycle methods of a generated client, whose runtime client is in
/// its `client` field. Not public API: the generated code invokes it
/// through `connection::__private`.
#[doc(hidden)]
#[macro_export]
macro_rules! __client_lifecycle {
    () => {
        /// Asks the connection to stop with `reason` once the requests queued
        /// before this one are handled, and waits until `terminate` has run
        /// (for at most this client's timeout; a stop that times out for its
        /// caller is still seen through).
        ///
        /// # Errors
        ///
        /// When the connection had already stopped, or stopped for another
        /// reason first; when the wait timed out; when called from the
        /// connection's own task (`CallingSelf`: use `ctx.stop` there).
        pub async fn stop(
            &self,
            reason: $crate::Stop,
        ) -> ::core::result::Result<(), $crate::CallError> {
            self.client.stop(reason).await
        }

        /// Waits until the connection has stopped, and returns why.
        pub async fn stopped(&self) -> $crate::Stop {
            self.client.stopped().await
        }

        /// Whether the connection is still running.
        #[must_use]
        pub fn is_alive(&self) -> bool {
            self.client.is_alive()
        }

        /// Whether the connection is connected: its last connect succeeded
        /// and no disconnect ran since (a snapshot; it may change at once).
        #[must_use]
        pub fn is_connected(&self) -> bool {
            self.client.is_connected()
        }

        /// The timeout that bounds each request of this client; `None` after
        /// `without_timeout`.
        #[must_use]
        pub fn timeout(&self) -> ::core::option::Option<::core::time::Duration> {
            self.client.timeout()
        }

        /// A clone of this client whose requests time out after `timeout`
        /// (30 years or more: no timeout).
        #[must_use]
        pub fn with_timeout(&self, timeout: ::core::time::Duration) -> Self {
            Self {
                client: self.client.with_timeout(timeout),
            }
        }

        /// A clone of this client whose requests wait as long as it takes,
        /// with no timer per request.
        #[must_use]
        pub fn without_timeout(&self) -> Self {
            Self {
                client: self.client.without_timeout(),
            }
        }
    };
}
