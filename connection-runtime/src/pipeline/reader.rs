//! The read half of a link: on a task of its own, so that responses reach
//! their callers without waiting for the connection's mailbox, and so that
//! reading never waits for writing (a peer blocked on a full socket waits
//! for us to read before it reads again).

use std::error::Error;
use std::pin::pin;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, sleep_until};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::Decoder;

use super::in_flight::{Answered, Due, InFlight};
use super::{LinkError, SharedWriter};

/// The frames of one read and the requests they answer: buffers kept across
/// reads, so that answering allocates nothing.
struct Batch<T> {
    frames: Vec<T>,
    answered: Answered<T>,
}

/// Room made in the read buffer before each read.
const READ_CAPACITY: usize = 8 * 1024;

/// Reads and decodes frames, each answering the oldest request in flight,
/// until the link ends; returns why it did. Between reads it watches the
/// oldest request's deadline, and sends the keepalive ping.
pub(super) async fn read<R, D>(
    mut reader: R,
    mut decoder: D,
    in_flight: &InFlight<D::Item>,
    writer: &SharedWriter,
    ping: Option<&[u8]>,
) -> LinkError
where
    R: AsyncRead + Unpin,
    D: Decoder,
    D::Error: Error + Send + Sync + 'static,
{
    let mut buffer = BytesMut::with_capacity(READ_CAPACITY);
    // The frames of one read, answered together.
    let mut batch = Batch {
        frames: Vec::new(),
        answered: Answered::default(),
    };
    let mut timer = pin!(sleep_until(Instant::now()));
    // Set when a deadline or the keepalive needs it; left to fire early
    // rather than reset on every response.
    let mut timer_set = false;
    // Whether to look at what the timer is for: at the start (the
    // keepalive), when it fired, or when a request needs it earlier.
    let mut timer_due = true;
    // Registered once and polled by every read, not made anew for each.
    let mut woken = pin!(in_flight.reader_woken());
    loop {
        while timer_due {
            let now = Instant::now();
            match in_flight.due(now) {
                Due::Unresponsive(timeout) => return LinkError::Unresponsive { timeout },
                Due::WriteFailed(error) => return error,
                Due::Ping => {
                    if let Err(error) = send_ping(in_flight, writer, ping, now).await {
                        return error;
                    }
                }
                Due::Wait(next) => {
                    timer_set = next.is_some();
                    if let Some(at) = next {
                        timer.as_mut().reset(at);
                    }
                    timer_due = false;
                }
            }
        }
        if let Err(error) = answer_whole_frames(&mut decoder, &mut buffer, &mut batch, in_flight) {
            return error;
        }
        if buffer.capacity() - buffer.len() < READ_CAPACITY / 2 {
            buffer.reserve(READ_CAPACITY);
        }
        let read = tokio::select! {
            biased;
            () = &mut woken => {
                if in_flight.is_ended() {
                    return in_flight.ended_with();
                }
                woken.set(in_flight.reader_woken());
                None
            }
            () = &mut timer, if timer_set => None,
            read = reader.read_buf(&mut buffer) => Some(read),
        };
        match read {
            Some(Ok(0)) => {
                return at_end_of_stream(&mut decoder, &mut buffer, &mut batch, in_flight);
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return LinkError::io(error),
            None => timer_due = true,
        }
    }
}

/// Writes the keepalive ping if nothing is in flight and the connection is
/// not writing (then requests are coming, and their deadlines do the ping's
/// work); its response must come within the response timeout like any
/// other. The write itself is bounded by that timeout: a peer that stops
/// reading is as dead as one that stops answering.
async fn send_ping<T>(
    in_flight: &InFlight<T>,
    writer: &SharedWriter,
    ping: Option<&[u8]>,
    now: Instant,
) -> Result<(), LinkError> {
    let Some(ping) = ping else {
        return Ok(());
    };
    let Ok(mut writer) = writer.try_lock() else {
        // The connection is writing: requests will be in flight.
        in_flight.touch(now);
        return Ok(());
    };
    let Some(link) = writer.as_mut() else {
        return Err(in_flight.ended_with());
    };
    if !in_flight.push_ping(now) {
        return Ok(());
    }
    tracing::trace!("keepalive ping");
    let write = async {
        link.write_all(ping).await?;
        link.flush().await
    };
    match in_flight.within_response_timeout(write).await {
        Some(Ok(())) => Ok(()),
        Some(Err(error)) => Err(LinkError::io(error)),
        None => Err(in_flight.unresponsive()),
    }
}

fn answer_whole_frames<D>(
    decoder: &mut D,
    buffer: &mut BytesMut,
    batch: &mut Batch<D::Item>,
    in_flight: &InFlight<D::Item>,
) -> Result<(), LinkError>
where
    D: Decoder,
    D::Error: Error + Send + Sync + 'static,
{
    let decoded = loop {
        match decoder.decode(buffer) {
            Ok(Some(frame)) => batch.frames.push(frame),
            Ok(None) => break Ok(()),
            Err(error) => break Err(LinkError::Decode(Arc::new(error))),
        }
    };
    // The frames before undecodable bytes still answer their callers.
    answer(batch, in_flight)?;
    decoded
}

/// The peer closed its side: frames that only the end completes are still
/// answered; what cannot be decoded then was cut off by the close.
fn at_end_of_stream<D>(
    decoder: &mut D,
    buffer: &mut BytesMut,
    batch: &mut Batch<D::Item>,
    in_flight: &InFlight<D::Item>,
) -> LinkError
where
    D: Decoder,
{
    while let Ok(Some(frame)) = decoder.decode_eof(buffer) {
        batch.frames.push(frame);
    }
    answer(batch, in_flight).err().unwrap_or(LinkError::Closed)
}

fn answer<T>(batch: &mut Batch<T>, in_flight: &InFlight<T>) -> Result<(), LinkError> {
    if batch.frames.is_empty() || in_flight.answer(&mut batch.frames, &mut batch.answered) {
        Ok(())
    } else {
        Err(LinkError::Unexpected)
    }
}
