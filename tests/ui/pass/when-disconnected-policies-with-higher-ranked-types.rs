//! Every `when_disconnected` policy on requests carrying higher-ranked
//! closures: held while disconnected (`queue`), refused (`reject`), or run
//! (`run`), on a block whose default is `queue`.
#![deny(warnings)]
use std::time::Duration;

use connection::{connection, Attempt, CallError, Connect, Context, Disconnect, Stop};

type Check = Box<dyn Fn(&str) -> bool + Send>;

struct Conn {
    up: bool,
}

#[connection(when_disconnected = queue)]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<bool>) -> Connect {
        match attempt {
            Attempt::Requested(false) => Connect::Backoff(Duration::from_millis(100)),
            _ => {
                self.up = true;
                Connect::Ok
            }
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<bool> {
        self.up = false;
        // The next connect fails once; the backoff's retry succeeds.
        Disconnect::Connect(false)
    }

    /// Held until connected again.
    #[call]
    async fn queued(&mut self, check: Check) -> bool {
        self.up && check("queued")
    }

    #[call(when_disconnected = reject)]
    async fn rejected(&mut self, check: Box<dyn for<'a> Fn(&'a str) -> &'a str + Send>) -> String {
        check("rejected").to_owned()
    }

    #[call(when_disconnected = run)]
    async fn run(&mut self, check: Check) -> (bool, bool) {
        (self.up, check("run"))
    }

    #[cast]
    async fn drop_link(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(());
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let client = Conn { up: false }.start().await.unwrap();
    assert!(client.queued(Box::new(|text| text == "queued")).await.unwrap());
    client.drop_link().await.unwrap();
    assert_eq!(client.run(Box::new(|text| text == "run")).await.unwrap(), (false, true));
    assert!(matches!(client.rejected(Box::new(str::trim)).await, Err(CallError::NotConnected)));
    // Held through the backoff, answered once connected.
    assert!(client.queued(Box::new(|text| !text.is_empty())).await.unwrap());
    assert_eq!(client.rejected(Box::new(str::trim)).await.unwrap(), "rejected");
    client.stop(Stop::Normal).await.unwrap();
}
