//! `&'static` references are owned enough: they may cross to the task.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<&'static str>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: &'static str) -> Disconnect<&'static str> {
        Disconnect::NoConnect
    }

    #[call]
    async fn echo(&mut self, word: &'static str, words: Vec<&'static [u8]>) -> (&'static str, usize) {
        (word, words.len())
    }

    #[info]
    async fn on_info(&mut self, _line: &'static str) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn.start().await.unwrap();
    assert_eq!(client.echo("a", vec![b"b"]).await.unwrap(), ("a", 1));
}
