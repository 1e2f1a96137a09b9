//! A block generic over a closure with a higher-ranked bound
//! (`F: for<'a> Fn(&'a str) -> &'a str`), and over a second parameter with
//! a default, the closure's output held across `.await`.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

struct Filter<F, N = u32> {
    filter: F,
    seen: Vec<String>,
    count: N,
}

#[connection]
impl<F, N> Filter<F, N>
where
    F: for<'a> Fn(&'a str) -> &'a str + Clone,
    N: Copy + std::ops::AddAssign + From<u8>,
{
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<F>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(filter)) = attempt {
            self.filter = filter;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, next: F) -> Disconnect<Option<F>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(Some(next))
    }

    #[call]
    async fn filter(&mut self, text: String) -> String {
        let kept = (self.filter)(&text);
        tokio::task::yield_now().await;
        self.count += N::from(1);
        self.seen.push(kept.to_owned());
        kept.to_owned()
    }

    #[call]
    async fn filter_fn(&mut self) -> F {
        self.filter.clone()
    }

    #[call]
    async fn count(&mut self, reply: ReplyTo<N>) {
        tokio::task::yield_now().await;
        let _ = reply.send(self.count);
    }

    #[cast]
    async fn set(&mut self, filter: F) {
        self.filter = filter;
    }

    #[info]
    async fn add(&mut self, by: N) {
        self.count += by;
    }

    #[cast]
    async fn bounce(&mut self, next: F, ctx: &mut Context<Self>) {
        ctx.disconnect(next);
    }
}

fn trim(text: &str) -> &str {
    text.trim()
}

#[tokio::main]
async fn main() {
    let client = Filter { filter: trim as fn(&str) -> &str, seen: Vec::new(), count: 0_u64 }.start().await.unwrap();
    assert_eq!(client.filter(" a ".into()).await.unwrap(), "a");
    assert_eq!(client.filter_fn().await.unwrap()(" b"), "b");
    client.set(str::trim_start).await.unwrap();
    assert_eq!(client.filter(" c ".into()).await.unwrap(), "c ");
    client.info(10).await.unwrap();
    client.bounce(str::trim_end).await.unwrap();
    assert_eq!(client.filter(" d ".into()).await.unwrap(), " d");
    assert_eq!(client.count().await.unwrap(), 13);
    client.stop(Stop::Normal).await.unwrap();
}
