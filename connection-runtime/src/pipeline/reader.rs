//! The read half of a link: on a task of its own, so that responses reach
//! their callers without waiting for the connection's mailbox, and so that
//! reading never waits for writing (a peer blocked on a full socket waits
//! for us to read before it reads again).

use std::error::Error;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::Decoder;

use super::LinkError;
use super::in_flight::InFlight;

/// Room made in the read buffer before each read.
const READ_CAPACITY: usize = 8 * 1024;

/// Reads and decodes frames, each answering the oldest request in flight,
/// until the link ends; returns why it did.
pub(super) async fn read<R, D>(
    mut reader: R,
    mut decoder: D,
    in_flight: &InFlight<D::Item>,
) -> LinkError
where
    R: AsyncRead + Unpin,
    D: Decoder,
    D::Error: Error + Send + Sync + 'static,
{
    let mut buffer = BytesMut::with_capacity(READ_CAPACITY);
    // The frames of one read, answered together.
    let mut frames = Vec::new();
    loop {
        if let Err(error) = answer_whole_frames(&mut decoder, &mut buffer, &mut frames, in_flight) {
            return error;
        }
        if buffer.capacity() - buffer.len() < READ_CAPACITY / 2 {
            buffer.reserve(READ_CAPACITY);
        }
        let read = tokio::select! {
            biased;
            () = in_flight.until_ended() => return in_flight.ended_with(),
            read = reader.read_buf(&mut buffer) => read,
        };
        match read {
            Ok(0) => return at_end_of_stream(&mut decoder, &mut buffer, &mut frames, in_flight),
            Ok(_) => {}
            Err(error) => return LinkError::io(error),
        }
    }
}

fn answer_whole_frames<D>(
    decoder: &mut D,
    buffer: &mut BytesMut,
    frames: &mut Vec<D::Item>,
    in_flight: &InFlight<D::Item>,
) -> Result<(), LinkError>
where
    D: Decoder,
    D::Error: Error + Send + Sync + 'static,
{
    let decoded = loop {
        match decoder.decode(buffer) {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => break Ok(()),
            Err(error) => break Err(LinkError::Decode(Arc::new(error))),
        }
    };
    // The frames before undecodable bytes still answer their callers.
    answer(frames, in_flight)?;
    decoded
}

/// The peer closed its side: frames that only the end completes are still
/// answered; what cannot be decoded then was cut off by the close.
fn at_end_of_stream<D>(
    decoder: &mut D,
    buffer: &mut BytesMut,
    frames: &mut Vec<D::Item>,
    in_flight: &InFlight<D::Item>,
) -> LinkError
where
    D: Decoder,
{
    while let Ok(Some(frame)) = decoder.decode_eof(buffer) {
        frames.push(frame);
    }
    answer(frames, in_flight).err().unwrap_or(LinkError::Closed)
}

fn answer<T>(frames: &mut Vec<T>, in_flight: &InFlight<T>) -> Result<(), LinkError> {
    if frames.is_empty() || in_flight.answer(frames) {
        Ok(())
    } else {
        Err(LinkError::Unexpected)
    }
}
