//! A lifecycle handler's outcome may be written under another name: an
//! alias (`type Outcome = Connect;`), a renamed import (`Disconnect as
//! Gone`), a path.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect as Gone, Init};

type Outcome = connection::Connect;
type Ready = Init<u8>;
type Lost = Gone<u8>;

struct Conn {
    attempts: Vec<u8>,
}

#[connection]
impl Conn {
    #[init]
    async fn init(&mut self) -> Ready {
        Init::Connect(1)
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<u8>) -> Outcome {
        self.attempts.extend(attempt.into_info());
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Lost {
        Gone::Connect(2)
    }

    #[call]
    async fn attempts(&mut self) -> Vec<u8> {
        self.attempts.clone()
    }

    #[call]
    async fn drop_link(&mut self, ctx: &mut connection::Context<Self>) {
        ctx.disconnect(());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { attempts: Vec::new() }.start().await.unwrap();
    assert_eq!(client.attempts().await.unwrap(), [1]);
    client.drop_link().await.unwrap();
    assert_eq!(client.attempts().await.unwrap(), [1, 2]);
}
