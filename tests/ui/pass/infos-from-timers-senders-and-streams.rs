//! Infos carrying higher-ranked closures from every source: a timer
//! (`send_after`), an `InfoSender` on another task, the client, and an
//! attached stream.
#![deny(warnings)]
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Job = Box<dyn FnOnce(&mut Vec<&'static str>) + Send>;

/// A stream of two jobs.
struct Jobs(Vec<Job>);

impl futures_core::Stream for Jobs {
    type Item = Job;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<Option<Job>> {
        Poll::Ready(self.0.pop())
    }
}

struct Conn {
    log: Vec<&'static str>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>, ctx: &mut Context<Self>) -> Connect {
        ctx.send_after(Box::new(|log: &mut Vec<&'static str>| log.push("timer")) as Job, Duration::from_millis(10));
        let sender = ctx.info_sender();
        tokio::spawn(async move {
            let _ = sender.send(Box::new(|log: &mut Vec<&'static str>| log.push("sender")) as Job).await;
        });
        let stream = Jobs(vec![
            Box::new(|log: &mut Vec<&'static str>| log.push("stream 2")),
            Box::new(|log: &mut Vec<&'static str>| log.push("stream 1")),
        ]);
        ctx.attach(stream, |job| job, Box::new(|log: &mut Vec<&'static str>| log.push("stream end")) as Job);
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[info]
    async fn run(&mut self, job: Job) {
        tokio::task::yield_now().await;
        job(&mut self.log);
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<Vec<&'static str>>) {
        let mut log = self.log.clone();
        log.sort_unstable();
        let _ = reply.send(log);
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let client = Conn { log: Vec::new() }.start().await.unwrap();
    client.info(Box::new(|log: &mut Vec<&'static str>| log.push("client")) as Job).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(client.log().await.unwrap(), ["client", "sender", "stream 1", "stream 2", "stream end", "timer"]);
    client.stop(Stop::Normal).await.unwrap();
}
