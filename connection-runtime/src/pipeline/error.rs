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

/// What a typed request through a pipeline can fail with: the call did not
/// get through the connection ([`CallError`](crate::CallError): a timeout, a stop, ..), the
/// link failed before the response came ([`LinkError`]), or the response
/// was an error of the protocol's (`E`, the client's own: a server's error
/// reply, a reply of the wrong kind).
///
/// The error type of a `#[call(flatten)]` handler whose reply is converted
/// from the pipeline's response, so that a client needs no error enum of
/// its own for the two ways every request can fail:
///
/// ```
/// use connection::pipeline::{LinkError, RequestError};
///
/// /// A line that must be a number; the server's other lines are its errors.
/// fn number(line: Result<String, LinkError>) -> Result<u64, RequestError<String>> {
///     let line = line?;
///     line.parse().map_err(|_| RequestError::Reply(line))
/// }
///
/// assert_eq!(number(Ok("7".to_owned())).unwrap(), 7);
/// assert!(matches!(number(Ok("ERR".to_owned())), Err(RequestError::Reply(line)) if line == "ERR"));
/// assert!(matches!(number(Err(LinkError::Closed)), Err(RequestError::Link(LinkError::Closed))));
/// ```
#[derive(Clone, Debug)]
pub enum RequestError<E> {
    /// The request did not get through the connection, or its reply did
    /// not come back in time.
    Call(crate::error::CallError),
    /// The link failed before the response came: the request may have run
    /// unless [`LinkError::is_unsent`].
    Link(LinkError),
    /// The response was the protocol's error.
    Reply(E),
}

impl<E> RequestError<E> {
    /// Whether the request certainly did not reach the peer, so that
    /// sending it again cannot run it twice: a link error that says so
    /// ([`LinkError::is_unsent`]), or a call refused before it was handled
    /// ([`CallError::is_unsent`](crate::CallError::is_unsent)).
    #[must_use]
    pub fn is_unsent(&self) -> bool {
        match self {
            RequestError::Link(error) => error.is_unsent(),
            RequestError::Call(error) => error.is_unsent(),
            RequestError::Reply(_) => false,
        }
    }
}

impl<E> From<crate::error::CallError> for RequestError<E> {
    fn from(error: crate::error::CallError) -> Self {
        RequestError::Call(error)
    }
}

impl<E> From<LinkError> for RequestError<E> {
    fn from(error: LinkError) -> Self {
        RequestError::Link(error)
    }
}

impl<E: fmt::Display> fmt::Display for RequestError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Call(error) => error.fmt(f),
            RequestError::Link(error) => error.fmt(f),
            RequestError::Reply(error) => write!(f, "error reply: {error}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> Error for RequestError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RequestError::Call(error) => Some(error),
            RequestError::Link(error) => Some(error),
            RequestError::Reply(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{CallError, Stop};

    #[test]
    fn a_request_error_says_whether_the_request_was_unsent() {
        let unsent: [RequestError<String>; 4] = [
            RequestError::Link(LinkError::NotConnected),
            RequestError::Call(CallError::NotConnected),
            RequestError::Call(CallError::Full),
            RequestError::Call(CallError::CallingSelf),
        ];
        assert!(unsent.iter().all(RequestError::is_unsent));
        let maybe_sent: [RequestError<String>; 5] = [
            RequestError::Link(LinkError::Closed),
            RequestError::Call(CallError::Timeout),
            RequestError::Call(CallError::NoReply),
            RequestError::Call(CallError::Stopped(Stop::Normal)),
            RequestError::Reply("ERR".to_owned()),
        ];
        assert!(!maybe_sent.iter().any(RequestError::is_unsent));
    }

    #[test]
    fn a_request_error_shows_and_chains_its_cause() {
        let reply: RequestError<String> = RequestError::Reply("ERR no such key".to_owned());
        assert_eq!(reply.to_string(), "error reply: ERR no such key");
        assert!(reply.source().is_none());
        let link: RequestError<String> = LinkError::Closed.into();
        assert_eq!(link.to_string(), LinkError::Closed.to_string());
        assert!(link.source().is_some());
        let call: RequestError<String> = CallError::Timeout.into();
        assert_eq!(call.to_string(), CallError::Timeout.to_string());
        assert!(call.source().is_some());
    }
}
