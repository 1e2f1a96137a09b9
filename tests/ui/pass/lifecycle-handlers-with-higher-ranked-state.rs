//! `init`, `timeout`, `flush` and `terminate` over a state of higher-ranked
//! closures and boxed futures, used across `.await`s, with the idle
//! timeout and a stop from inside.
#![deny(warnings)]
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use connection::{connection, Attempt, Connect, Context, Disconnect, Init, ReplyTo, Stop};

type Step = Box<dyn for<'a> Fn(&'a mut Vec<String>, &'a str) + Send>;
type Later = Pin<Box<dyn Future<Output = String> + Send>>;

struct Conn {
    log: Vec<String>,
    step: Step,
    pending: Vec<Later>,
    done: Option<tokio::sync::oneshot::Sender<Vec<String>>>,
}

#[connection]
impl Conn {
    #[init]
    async fn init(&mut self) -> Init<Option<Later>> {
        (self.step)(&mut self.log, "init");
        Init::Connect(Some(Box::pin(async { "first".to_owned() })))
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Later>>) -> Connect {
        if let Attempt::Requested(Some(later)) = attempt {
            let text = later.await;
            (self.step)(&mut self.log, &text);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<Option<Later>> {
        Disconnect::NoConnect
    }

    #[cast]
    async fn later(&mut self, later: Later) {
        self.pending.push(later);
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<Vec<String>>, ctx: &mut Context<Self>) {
        // Idle from here on: the timeout fires.
        ctx.idle_timeout(Duration::from_millis(50));
        let _ = reply.send(self.log.clone());
    }

    #[flush]
    async fn flush(&mut self) {
        for later in std::mem::take(&mut self.pending) {
            let text = later.await;
            (self.step)(&mut self.log, &text);
        }
    }

    #[timeout]
    async fn idle(&mut self, ctx: &mut Context<Self>) {
        tokio::task::yield_now().await;
        (self.step)(&mut self.log, "idle");
        ctx.stop(Stop::Normal);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        tokio::task::yield_now().await;
        (self.step)(&mut self.log, &format!("{reason:?}"));
        if let Some(done) = self.done.take() {
            let _ = done.send(self.log.clone());
        }
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (done, finished) = tokio::sync::oneshot::channel();
    let step: Step = Box::new(|log, text| log.push(text.to_owned()));
    let client = Conn { log: Vec::new(), step, pending: Vec::new(), done: Some(done) }.start().await.unwrap();
    client.later(Box::pin(async { "flushed".to_owned() })).await.unwrap();
    assert_eq!(client.log().await.unwrap()[..2], ["init", "first"]);
    // Flushed after the cast, then idle for 50 ms: the timeout stops it.
    let log = finished.await.unwrap();
    assert_eq!(log, ["init", "first", "flushed", "idle", "Normal"]);
    assert!(matches!(client.stopped().await, Stop::Normal));
}
