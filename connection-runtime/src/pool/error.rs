//! What a pool's operations fail with.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::StartError;

/// Why a [`Pool`](super::Pool) could not give a member.
///
/// Each variant that comes from members being down carries the most recent
/// failure among them ([`Client::last_failure`](crate::Client::last_failure)),
/// read when the request gives up and also reached through
/// [`Error::source`]: "connection refused" or the server's own message, not
/// a bare timeout.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PoolError {
    /// No member was connected (and free of a lease) within the pool's
    /// wait, or at once for a pool that fails fast.
    NoneConnected {
        /// How long the caller waited.
        waited: Duration,
        /// The most recent failure among the members down (why they stay
        /// down), if one was recorded.
        cause: Option<Arc<dyn Error + Send + Sync>>,
    },
    /// Every member stayed leased (or the free ones down) for the whole
    /// lease timeout.
    LeaseTimeout {
        /// How long the lease waited.
        waited: Duration,
        /// The most recent failure among the members down, when no free
        /// member was connected.
        cause: Option<Arc<dyn Error + Send + Sync>>,
    },
    /// Every connected member had its
    /// [cap](super::PoolBuilder::concurrency_per_member) of requests in
    /// progress for the whole wait (or at once, for
    /// [`try_client`](super::Pool::try_client) and a pool that fails fast).
    Busy {
        /// How long the caller waited.
        waited: Duration,
    },
    /// A member's `init` failed while the pool started or grew.
    Start(StartError),
    /// The pool was stopped.
    Stopped,
}

impl PoolError {
    /// Why the members were down, when that is what failed.
    #[must_use]
    pub fn cause(&self) -> Option<&Arc<dyn Error + Send + Sync>> {
        match self {
            PoolError::NoneConnected { cause, .. } | PoolError::LeaseTimeout { cause, .. } => {
                cause.as_ref()
            }
            PoolError::Busy { .. } | PoolError::Start(_) | PoolError::Stopped => None,
        }
    }
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoneConnected { waited, cause } => {
                write!(f, "no member of the pool connected (waited {waited:?})")?;
                if let Some(cause) = cause {
                    write!(f, ": {cause}")?;
                }
                Ok(())
            }
            PoolError::LeaseTimeout { waited, cause } => {
                write!(f, "no member of the pool free to lease within {waited:?}")?;
                if let Some(cause) = cause {
                    write!(f, ": {cause}")?;
                }
                Ok(())
            }
            PoolError::Busy { waited } => write!(
                f,
                "every member of the pool at its cap of requests (waited {waited:?})"
            ),
            PoolError::Start(error) => write!(f, "a member of the pool failed to start: {error}"),
            PoolError::Stopped => f.write_str("the pool was stopped"),
        }
    }
}

impl Error for PoolError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PoolError::Start(error) => Some(error),
            _ => self.cause().map(|cause| &**cause as &(dyn Error + 'static)),
        }
    }
}

impl From<StartError> for PoolError {
    fn from(error: StartError) -> Self {
        PoolError::Start(error)
    }
}
