//! RESP2, the Redis protocol: encoding commands, and parsing replies
//! incrementally from whatever bytes have arrived so far.

use std::fmt;
use std::io;

use tokio_util::bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// One reply from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `+OK`
    Simple(String),
    /// `-ERR ...`: the server refused the command.
    Error(String),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`, or `$-1` (nil) as `None`.
    Bulk(Option<Vec<u8>>),
    /// `*2\r\n...`, or `*-1` (nil) as `None`.
    Array(Option<Vec<Value>>),
}

/// A reply as the server's words: an error reply's message, any other
/// reply as it was read.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Error(message) => f.write_str(message),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A reply as the Rust type a command returns; any other reply is given
/// back.
pub(crate) trait FromValue: Sized + Send + 'static {
    fn from_value(value: Value) -> Result<Self, Value>;
}

/// Each type from the one kind of reply it comes as.
macro_rules! from_value {
    ($($ty:ty: $kind:pat => $value:expr;)*) => {$(
        impl FromValue for $ty {
            fn from_value(value: Value) -> Result<Self, Value> {
                match value {
                    $kind => Ok($value),
                    other => Err(other),
                }
            }
        }
    )*};
}

from_value! {
    String: Value::Simple(text) => text;
    Option<Vec<u8>>: Value::Bulk(bulk) => bulk;
    i64: Value::Integer(n) => n;
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self, Value> {
        Ok(value)
    }
}

/// `OK`: the reply of a command that only succeeds or fails.
impl FromValue for () {
    fn from_value(value: Value) -> Result<Self, Value> {
        match value {
            Value::Simple(ok) if ok == "OK" => Ok(()),
            other => Err(other),
        }
    }
}

/// Bytes that are not RESP2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed reply: {}", self.0)
    }
}

impl std::error::Error for Malformed {}

/// Bulk strings above this are refused (Redis' own limit is 512 MiB).
const MAX_BULK: usize = 512 * 1024 * 1024;
/// Arrays nested deeper than this are refused: no reply of the commands
/// this client sends comes close, and it bounds the recursion.
const MAX_DEPTH: usize = 32;

/// A command encoded ahead, for [`Redis::command`](crate::redis::Redis)
/// and the keepalive ping: the connection only copies it into its write
/// buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command(Bytes);

impl Command {
    /// The command `args` as an array of bulk strings.
    pub fn new(args: &[&[u8]]) -> Self {
        // Sized exactly: `freeze` then keeps the allocation as it is
        // instead of allocating a second one to share it.
        let mut out = BytesMut::with_capacity(encoded_len(args));
        encode_args(args, &mut out);
        Command(out.freeze())
    }
}

/// One argument of a command, encoded (as a RESP bulk string) by whoever
/// makes it: a typed command's caller, on its own task, so that the
/// connection only copies it into its write buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg(Vec<u8>);

impl Arg {
    pub fn new(bytes: &[u8]) -> Self {
        let mut out = Vec::with_capacity(header_len(bytes.len()) + bytes.len() + 2);
        header(&mut out, b'$', bytes.len());
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
        Arg(out)
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::new(text.as_bytes())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::new(text.as_bytes())
    }
}

impl From<&[u8]> for Arg {
    fn from(bytes: &[u8]) -> Self {
        Arg::new(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for Arg {
    fn from(bytes: &[u8; N]) -> Self {
        Arg::new(bytes)
    }
}

impl From<Vec<u8>> for Arg {
    fn from(bytes: Vec<u8>) -> Self {
        Arg::new(&bytes)
    }
}

/// A command: its name, then its arguments, encoded.
pub(crate) struct Request<'a>(pub(crate) &'static [u8], pub(crate) &'a [&'a Arg]);

/// The size of `args` encoded.
fn encoded_len(args: &[&[u8]]) -> usize {
    header_len(args.len())
        + args
            .iter()
            .map(|arg| header_len(arg.len()) + arg.len() + 2)
            .sum::<usize>()
}

/// `args` as an array of bulk strings, appended to `out`.
fn encode_args(args: &[&[u8]], out: &mut BytesMut) {
    out.reserve(encoded_len(args));
    header(out, b'*', args.len());
    for arg in args {
        header(out, b'$', arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// The length of the header `header` writes for `length`.
fn header_len(length: usize) -> usize {
    // The kind, the digits, `\r\n`.
    1 + length.checked_ilog10().unwrap_or(0) as usize + 1 + 2
}

/// `*3\r\n` or `$5\r\n`, written by hand: `format!` costs more than the
/// rest of a short command.
fn header(out: &mut impl Put, kind: u8, length: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = length;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.put(&[kind]);
    out.put(&digits[at..]);
    out.put(b"\r\n");
}

/// Where encoded bytes go: the write buffer, or a caller's `Arg`.
trait Put {
    fn put(&mut self, bytes: &[u8]);
}

impl Put for BytesMut {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Put for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// RESP2 as a tokio-util codec: commands out, replies in.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Resp;

impl Encoder<Command> for Resp {
    type Error = io::Error;

    fn encode(&mut self, command: Command, dst: &mut BytesMut) -> io::Result<()> {
        dst.extend_from_slice(&command.0);
        Ok(())
    }
}

/// A command's name written into the write buffer, its encoded arguments
/// copied after it.
impl Encoder<Request<'_>> for Resp {
    type Error = io::Error;

    fn encode(&mut self, Request(name, args): Request<'_>, dst: &mut BytesMut) -> io::Result<()> {
        let size = header_len(args.len() + 1)
            + header_len(name.len())
            + name.len()
            + 2
            + args.iter().map(|arg| arg.0.len()).sum::<usize>();
        dst.reserve(size);
        header(dst, b'*', args.len() + 1);
        header(dst, b'$', name.len());
        dst.extend_from_slice(name);
        dst.extend_from_slice(b"\r\n");
        for arg in args {
            dst.extend_from_slice(&arg.0);
        }
        Ok(())
    }
}

impl Decoder for Resp {
    type Item = Value;
    type Error = Malformed;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Value>, Malformed> {
        let Some((value, used)) = parse(src)? else {
            return Ok(None);
        };
        src.advance(used);
        Ok(Some(value))
    }
}

impl From<io::Error> for Malformed {
    fn from(error: io::Error) -> Self {
        Malformed(error.to_string())
    }
}

/// Parses one reply from the front of `buf`: `Ok(Some((value, consumed)))`,
/// or `Ok(None)` when more bytes are needed.
///
/// # Errors
///
/// When the bytes cannot be the start of a RESP2 reply.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Value, usize)>, Malformed> {
    parse_at(buf, 0, 0)
}

fn parse_at(buf: &[u8], at: usize, depth: usize) -> Result<Option<(Value, usize)>, Malformed> {
    let Some(&kind) = buf.get(at) else {
        return Ok(None);
    };
    let Some((line, after_line)) = line(buf, at + 1)? else {
        return Ok(None);
    };
    match kind {
        b'+' => Ok(Some((Value::Simple(text(line)?), after_line))),
        b'-' => Ok(Some((Value::Error(text(line)?), after_line))),
        b':' => Ok(Some((Value::Integer(integer(line)?), after_line))),
        b'$' => {
            let length = integer(line)?;
            if length == -1 {
                return Ok(Some((Value::Bulk(None), after_line)));
            }
            let length = usize::try_from(length)
                .ok()
                .filter(|length| *length <= MAX_BULK)
                .ok_or_else(|| Malformed(format!("bulk length {length}")))?;
            let end = after_line + length;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(Malformed("bulk string not followed by CRLF".into()));
            }
            Ok(Some((
                Value::Bulk(Some(buf[after_line..end].to_vec())),
                end + 2,
            )))
        }
        b'*' => {
            let count = integer(line)?;
            if count == -1 {
                return Ok(Some((Value::Array(None), after_line)));
            }
            if depth >= MAX_DEPTH {
                return Err(Malformed("arrays nested too deep".into()));
            }
            let count = usize::try_from(count)
                .ok()
                .filter(|count| *count <= MAX_BULK)
                .ok_or_else(|| Malformed(format!("array length {count}")))?;
            // Not preallocated from `count`: a hostile length must not
            // reserve memory before the elements arrive.
            let mut items = Vec::new();
            let mut next = after_line;
            for _ in 0..count {
                let Some((item, after)) = parse_at(buf, next, depth + 1)? else {
                    return Ok(None);
                };
                items.push(item);
                next = after;
            }
            Ok(Some((Value::Array(Some(items)), next)))
        }
        other => Err(Malformed(format!("unknown type byte {other:#04x}"))),
    }
}

/// The line starting at `at`, without its CRLF, and where the next starts.
fn line(buf: &[u8], at: usize) -> Result<Option<(&[u8], usize)>, Malformed> {
    let rest = &buf[at.min(buf.len())..];
    match rest.iter().position(|&byte| byte == b'\r') {
        None if rest.len() > 64 * 1024 => Err(Malformed("line too long".into())),
        None => Ok(None),
        Some(cr) => match rest.get(cr + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some((&rest[..cr], at + cr + 2))),
            Some(_) => Err(Malformed("CR not followed by LF".into())),
        },
    }
}

fn text(line: &[u8]) -> Result<String, Malformed> {
    String::from_utf8(line.to_vec()).map_err(|_| Malformed("status line is not UTF-8".into()))
}

fn integer(line: &[u8]) -> Result<i64, Malformed> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| {
            Malformed(format!(
                "not an integer: {:?}",
                String::from_utf8_lossy(line)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(bytes: &[u8]) -> Value {
        let (value, used) = parse(bytes).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        value
    }

    #[test]
    fn commands_are_encoded_into_exactly_their_size() {
        let long = vec![b'v'; 1234];
        let command = Command::new(&[b"SET", b"", b"0123456789", &long]);
        let mut expected = b"*4\r\n$3\r\nSET\r\n$0\r\n\r\n$10\r\n0123456789\r\n$1234\r\n".to_vec();
        expected.extend_from_slice(&long);
        expected.extend_from_slice(b"\r\n");
        assert_eq!(command.0, expected);
        for length in [0, 9, 10, 99, 100, 12_345, usize::MAX] {
            assert_eq!(header_len(length), 3 + length.to_string().len());
        }
    }

    #[test]
    fn parses_every_kind_of_reply() {
        assert_eq!(complete(b"+OK\r\n"), Value::Simple("OK".into()));
        assert_eq!(complete(b"-ERR nope\r\n"), Value::Error("ERR nope".into()));
        assert_eq!(complete(b":-42\r\n"), Value::Integer(-42));
        assert_eq!(
            complete(b"$3\r\nfoo\r\n"),
            Value::Bulk(Some(b"foo".to_vec()))
        );
        assert_eq!(complete(b"$0\r\n\r\n"), Value::Bulk(Some(Vec::new())));
        assert_eq!(complete(b"$-1\r\n"), Value::Bulk(None));
        assert_eq!(complete(b"*-1\r\n"), Value::Array(None));
        assert_eq!(
            complete(b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n"),
            Value::Array(Some(vec![
                Value::Bulk(Some(b"a".to_vec())),
                Value::Array(Some(vec![Value::Integer(1)])),
            ]))
        );
    }

    #[test]
    fn a_partial_frame_asks_for_more_at_every_cut() {
        let frame = b"*3\r\n$5\r\nhello\r\n:7\r\n+OK\r\n";
        for cut in 0..frame.len() {
            assert_eq!(parse(&frame[..cut]), Ok(None), "cut at {cut}");
        }
        assert!(parse(frame).unwrap().is_some());
    }

    #[test]
    fn parses_back_to_back_frames_one_at_a_time() {
        let two = b":1\r\n:2\r\n";
        let (first, used) = parse(two).unwrap().unwrap();
        assert_eq!((first, used), (Value::Integer(1), 4));
        assert_eq!(parse(&two[used..]).unwrap().unwrap().0, Value::Integer(2));
    }

    #[test]
    fn refuses_what_is_not_resp() {
        for bad in [
            &b"?\r\n"[..],
            b":12x\r\n",
            b"$3\r\nfooX\r\n",
            b"$-2\r\n",
            b"*-5\r\n",
            b"+OK\rX",
            b"$99999999999\r\n",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "*1\r\n".repeat(40);
        assert!(parse(deep.as_bytes()).is_err());
        let endless = vec![b'+'; 70 * 1024];
        assert!(parse(&endless).is_err());
    }

    #[test]
    fn encodes_commands_as_arrays_of_bulk_strings() {
        let mut wire = BytesMut::new();
        Resp.encode(Command::new(&[b"SET", b"k", b"v"]), &mut wire)
            .unwrap();
        assert_eq!(&wire[..], b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
        let mut wire = BytesMut::new();
        let long = [b'x'; 1234];
        Resp.encode(Command::new(&[b"SET", b"", &long]), &mut wire)
            .unwrap();
        let expected = [
            &b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$1234\r\n"[..],
            &long,
            b"\r\n",
        ]
        .concat();
        assert_eq!(&wire[..], &expected[..]);
    }

    #[test]
    fn the_decoder_takes_one_reply_at_a_time_and_waits_for_a_whole_one() {
        let mut wire = BytesMut::from(&b":1\r\n$3\r\nfo"[..]);
        assert_eq!(Resp.decode(&mut wire).unwrap(), Some(Value::Integer(1)));
        assert_eq!(Resp.decode(&mut wire).unwrap(), None);
        wire.extend_from_slice(b"o\r\n");
        assert_eq!(
            Resp.decode(&mut wire).unwrap(),
            Some(Value::Bulk(Some(b"foo".to_vec())))
        );
        assert!(wire.is_empty());
    }
}
