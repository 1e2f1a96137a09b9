//! Why a request sent through a pipeline got no response.

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Why a request sent through a [`Pipeline`](super::Pipeline) got no
/// response, and why its link was lost.
///
/// Cheap to clone (the sources are shared): one loss answers every pending
/// caller with the same error.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LinkError {
    /// No link was attached when the request was sent, or the link had
    /// already ended (its loss not handled yet): it was not written.
    NotConnected,
    /// The request could not be encoded: it was not written, and the link
    /// is unharmed.
    Encode(Arc<dyn Error + Send + Sync>),
    /// The peer closed the link before answering.
    Closed,
    /// Reading from or writing to the link failed.
    Io(Arc<io::Error>),
    /// The peer sent bytes the codec could not decode; the link is dropped,
    /// since nothing after them can be trusted.
    Decode(Arc<dyn Error + Send + Sync>),
    /// The peer sent a frame that no request was waiting for; the link is
    /// dropped, since the replies can no longer be matched to requests.
    Unexpected,
    /// The connection dropped the link (a disconnect ran, or another link
    /// was attached) before the response came.
    Detached,
    /// The oldest request in flight (or the keepalive ping) had no
    /// response within the [response
    /// timeout](super::Pipeline::response_timeout), or the peer took no
    /// bytes for that long: the link is presumed dead (a partition, a hung
    /// peer) and dropped.
    Unresponsive {
        /// The response timeout that passed.
        timeout: Duration,
    },
}

impl LinkError {
    /// Whether the request certainly never reached the link, so that
    /// sending it again cannot run it twice. For the other errors it may or
    /// may not have been received by the peer.
    #[must_use]
    pub fn is_unsent(&self) -> bool {
        matches!(self, LinkError::NotConnected | LinkError::Encode(_))
    }

    pub(crate) fn io(error: io::Error) -> Self {
        LinkError::Io(Arc::new(error))
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NotConnected => f.write_str("not connected: the request was not sent"),
            LinkError::Encode(error) => write!(f, "the request could not be encoded: {error}"),
            LinkError::Closed => f.write_str("the peer closed the link before answering"),
            LinkError::Io(error) => write!(f, "link lost: {error}"),
            LinkError::Decode(error) => write!(f, "the peer sent undecodable bytes: {error}"),
            LinkError::Unexpected => {
                f.write_str("the peer sent a frame no request was waiting for")
            }
            LinkError::Detached => f.write_str("the link was dropped before the response came"),
            LinkError::Unresponsive { timeout } => write!(
                f,
                "no response within {timeout:?}: the link is presumed dead"
            ),
        }
    }
}

impl Error for LinkError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            LinkError::Encode(error) | LinkError::Decode(error) => Some(&**error),
            LinkError::Io(error) => Some(&**error),
            LinkError::NotConnected
            | LinkError::Closed
            | LinkError::Unexpected
            | LinkError::Detached
            | LinkError::Unresponsive { .. } => None,
        }
    }
}
