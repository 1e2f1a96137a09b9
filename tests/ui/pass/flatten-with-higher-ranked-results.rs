//! `#[call(flatten)]` with higher-ranked and boxed types in the `Result`:
//! the caller gets the handler's `Result<T, E>` itself.
#![deny(warnings)]
use connection::{connection, Attempt, CallError, Connect, Disconnect, ReplyTo, Stop};

#[derive(Debug)]
pub enum Failed {
    Call(CallError),
    Empty,
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl From<CallError> for Failed {
    fn from(error: CallError) -> Self {
        Failed::Call(error)
    }
}

type Parser = Box<dyn Fn(&str) -> Result<u32, Failed> + Send>;

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call(flatten)]
    async fn parser(&mut self, strict: bool) -> Result<Parser, Failed> {
        tokio::task::yield_now().await;
        if strict {
            Ok(Box::new(|text| {
                if text.is_empty() {
                    return Err(Failed::Empty);
                }
                text.parse().map_err(|error| Failed::Other(Box::new(error)))
            }))
        } else {
            Ok(Box::new(|text| Ok(text.len() as u32)))
        }
    }

    #[call(flatten)]
    async fn apply(&mut self, f: Box<dyn for<'a> Fn(&'a str) -> &'a str + Send>, text: String) -> Result<String, Failed> {
        tokio::task::yield_now().await;
        Ok(f(&text).to_owned())
    }

    #[call(flatten)]
    async fn later(&mut self, reply: ReplyTo<Result<Box<dyn Fn() -> u32 + Send>, Failed>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Ok(Box::new(|| 7)));
    }

    #[call(flatten)]
    async fn never(&mut self, reply: ReplyTo<Result<u32, Failed>>) {
        drop(reply);
    }
}

#[tokio::main]
async fn main() {
    let client = Conn.start().await.unwrap();
    let strict = client.parser(true).await.unwrap();
    assert_eq!(strict("12").unwrap(), 12);
    assert!(matches!(strict(""), Err(Failed::Empty)));
    assert!(matches!(strict("x"), Err(Failed::Other(_))));
    assert_eq!(client.parser(false).await.unwrap()("abc").unwrap(), 3);
    assert_eq!(client.apply(Box::new(str::trim), " a ".into()).await.unwrap(), "a");
    assert_eq!(client.later().await.unwrap()(), 7);
    assert!(matches!(client.never().await, Err(Failed::Call(CallError::NoReply))));
    client.stop(Stop::Normal).await.unwrap();
}
