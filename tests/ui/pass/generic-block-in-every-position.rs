//! A generic block whose type parameter takes every position: arguments,
//! returns, deferred replies, the info, the connect and disconnect infos,
//! and the state; used with two types, one of them a higher-ranked closure.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

struct Store<T> {
    items: Vec<T>,
}

#[connection]
impl<T: Clone + Default> Store<T> {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<T>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(item)) = attempt {
            self.items.push(item);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Vec<T>) -> Disconnect<Option<T>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(why.into_iter().next())
    }

    #[call]
    async fn push(&mut self, item: T) -> usize {
        tokio::task::yield_now().await;
        self.items.push(item);
        self.items.len()
    }

    #[call]
    async fn last(&mut self) -> Option<T> {
        tokio::task::yield_now().await;
        self.items.last().cloned()
    }

    #[call]
    async fn all(&mut self, reply: ReplyTo<Vec<T>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(self.items.clone());
    }

    #[cast]
    async fn push_default(&mut self) {
        self.items.push(T::default());
    }

    #[info]
    async fn item(&mut self, item: T) {
        tokio::task::yield_now().await;
        self.items.push(item);
    }

    #[cast]
    async fn bounce(&mut self, why: Vec<T>, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }
}

/// A closure type with a `Default`, for the second use.
#[derive(Clone)]
struct Rule(std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>);

impl Default for Rule {
    fn default() -> Self {
        Rule(std::sync::Arc::new(|_| true))
    }
}

#[tokio::main]
async fn main() {
    let numbers = Store { items: Vec::<u32>::new() }.start().await.unwrap();
    assert_eq!(numbers.push(1).await.unwrap(), 1);
    numbers.push_default().await.unwrap();
    numbers.info(2).await.unwrap();
    numbers.bounce(vec![3, 4]).await.unwrap();
    assert_eq!(numbers.last().await.unwrap(), Some(3));
    assert_eq!(numbers.all().await.unwrap(), [1, 0, 2, 3]);
    numbers.stop(Stop::Normal).await.unwrap();

    let rules = Store { items: Vec::<Rule>::new() }.start().await.unwrap();
    rules.push(Rule(std::sync::Arc::new(|text| text.is_empty()))).await.unwrap();
    rules.bounce(vec![Rule::default()]).await.unwrap();
    let all = rules.all().await.unwrap();
    assert!((all[0].0)("") && !(all[0].0)("x") && (all[1].0)("x"));
    rules.stop(Stop::Normal).await.unwrap();
}
