//! Higher-ranked closures and boxes in every position a type can take,
//! held across an `.await` (issue 20's regression: the `Send` assumptions
//! once named these types with a `'static` object lifetime where the
//! handler's future asks for any, and rejected the block).
#![deny(warnings)]
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};

/// Through an alias, the object lifetime is out of the macro's sight.
type Job = Box<dyn FnOnce(&mut u32) -> u32 + Send>;
type Shout = Box<dyn Fn(&str) -> String + Send>;

pub struct Why(Box<dyn Fn(&u32) -> bool + Send>);

struct Conn {
    n: u32,
    /// Held in the state, used across an `.await`.
    check: Arc<dyn Fn(&mut u32) + Send + Sync>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Job>>) -> Connect {
        tokio::time::sleep(Duration::from_millis(1)).await;
        if let Attempt::Requested(Some(job)) = attempt {
            self.n = job(&mut self.n);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<Option<Job>> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        if (why.0)(&self.n) {
            Disconnect::Connect(None)
        } else {
            Disconnect::NoConnect
        }
    }

    #[call]
    async fn run(&mut self, f: Box<dyn FnOnce(&mut u32) -> u32 + Send>) -> u32 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        f(&mut self.n)
    }

    #[call]
    async fn run_job(&mut self, job: Job) -> u32 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        (self.check)(&mut self.n);
        job(&mut self.n)
    }

    #[call]
    async fn shouter(&mut self) -> Box<dyn Fn(&str) -> String + Send> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Box::new(|text| text.to_uppercase())
    }

    #[call]
    async fn deferred_shouter(&mut self, reply: ReplyTo<Shout>) {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let _ = reply.send(Box::new(|text| format!("{text}!")));
    }

    #[cast]
    async fn apply(&mut self, f: Job) {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.n = f(&mut self.n);
    }

    #[call]
    async fn names(&mut self, name: &'static str, more: Cow<'static, str>) -> usize {
        tokio::time::sleep(Duration::from_millis(1)).await;
        name.len() + more.len()
    }

    #[call]
    async fn bounce(&mut self, keep: Box<dyn Fn(&u32) -> bool + Send>, ctx: &mut Context<Self>) {
        tokio::time::sleep(Duration::from_millis(1)).await;
        ctx.disconnect(Why(keep));
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { n: 1, check: Arc::new(|n| *n += 0) }.start().await.unwrap();
    assert_eq!(client.run(Box::new(|n| *n + 1)).await.unwrap(), 2);
    assert_eq!(client.run_job(Box::new(|n| *n * 10)).await.unwrap(), 10);
    // A client future holding a higher-ranked reply, spawned: `Send`.
    let shouted = tokio::spawn({
        let client = client.clone();
        async move { client.shouter().await.unwrap()("hi") }
    });
    assert_eq!(shouted.await.unwrap(), "HI");
    assert_eq!(client.deferred_shouter().await.unwrap()("hey"), "hey!");
    client.apply(Box::new(|n| *n + 5)).await.unwrap();
    assert_eq!(client.run(Box::new(|n| *n)).await.unwrap(), 6);
    assert_eq!(client.names("ab", Cow::Borrowed("c")).await.unwrap(), 3);
    client.bounce(Box::new(|n| *n > 0)).await.unwrap();
    assert!(client.is_alive());
}
