//! A public connection whose `#[info]` and `#[disconnect]` types are
//! private to its module: the connection's `Info` and `DisconnectInfo` are
//! generated newtypes of them, so nothing forces them to be `pub` (E0446).
#![deny(warnings)]

mod link {
    use connection::{connection, Attempt, Connect, Context, Disconnect};

    /// What the connection's own reader feeds it: private.
    #[derive(Debug)]
    enum Frame {
        Line(String),
    }

    /// Why the link went down: private.
    #[derive(Debug)]
    struct Lost;

    pub struct Link {
        pub(crate) lines: Vec<String>,
    }

    #[connection]
    impl Link {
        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
            // The connection feeds itself through its own context.
            ctx.info_sender()
                .try_send(Frame::Line("hello".to_owned()))
                .unwrap();
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, _lost: Lost) -> Disconnect<()> {
            Disconnect::NoConnect
        }

        #[info]
        async fn on_frame(&mut self, frame: Frame) {
            let Frame::Line(line) = frame;
            self.lines.push(line);
        }

        #[call]
        async fn lines(&mut self) -> Vec<String> {
            self.lines.clone()
        }
    }

    pub async fn start() -> LinkClient {
        Link { lines: Vec::new() }.start().await.unwrap()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = link::start().await;
    // The first call was queued before `connect` fed the frame.
    client.lines().await.unwrap();
    assert_eq!(client.lines().await.unwrap(), ["hello"]);
}
