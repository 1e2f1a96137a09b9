//! `Arc<dyn Fn(&mut T) + Send + Sync>` in every position, shared between
//! the caller and the connection and called across an `.await`.
#![deny(warnings)]
use std::sync::Arc;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Step = Arc<dyn Fn(&mut u64) + Send + Sync>;

struct Conn {
    value: u64,
    step: Step,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Arc<dyn Fn(&mut u64) + Send + Sync>>>) -> Connect {
        if let Attempt::Requested(Some(step)) = attempt {
            tokio::task::yield_now().await;
            step(&mut self.value);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, step: Step) -> Disconnect<Option<Step>> {
        let step_now = Arc::clone(&step);
        tokio::task::yield_now().await;
        step_now(&mut self.value);
        Disconnect::Connect(Some(step))
    }

    #[call]
    async fn apply(&mut self, step: Arc<dyn Fn(&mut u64) + Send + Sync>) -> u64 {
        let held = Arc::clone(&self.step);
        tokio::task::yield_now().await;
        held(&mut self.value);
        step(&mut self.value);
        self.value
    }

    #[call]
    async fn step(&mut self) -> Step {
        tokio::task::yield_now().await;
        Arc::clone(&self.step)
    }

    #[call]
    async fn step_later(&mut self, reply: ReplyTo<Arc<dyn Fn(&mut u64) + Send + Sync>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Arc::clone(&self.step));
    }

    #[cast]
    async fn set_step(&mut self, step: Step) {
        tokio::task::yield_now().await;
        self.step = step;
    }

    #[info]
    async fn run(&mut self, step: Arc<dyn Fn(&mut u64) + Send + Sync>) {
        tokio::task::yield_now().await;
        step(&mut self.value);
    }

    #[cast]
    async fn bounce(&mut self, step: Step, ctx: &mut Context<Self>) {
        ctx.disconnect(step);
    }

    #[call]
    async fn value(&mut self) -> u64 {
        self.value
    }
}

#[tokio::main]
async fn main() {
    let client = Conn { value: 0, step: Arc::new(|n| *n += 1) }.start().await.unwrap();
    let shared: Step = Arc::new(|n| *n *= 10);
    assert_eq!(client.apply(Arc::clone(&shared)).await.unwrap(), 10);
    let mut local = 1;
    client.step().await.unwrap()(&mut local);
    client.step_later().await.unwrap()(&mut local);
    assert_eq!(local, 3);
    client.set_step(Arc::new(|n| *n += 2)).await.unwrap();
    client.info(Arc::new(|n: &mut u64| *n += 5)).await.unwrap();
    assert_eq!(client.value().await.unwrap(), 15);
    // disconnect runs the step once, connect once more.
    client.bounce(Arc::new(|n| *n += 100)).await.unwrap();
    assert_eq!(client.value().await.unwrap(), 215);
    client.stop(Stop::Normal).await.unwrap();
}
