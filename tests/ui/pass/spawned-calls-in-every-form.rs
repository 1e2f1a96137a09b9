//! `#[call(spawn)]` in every form: the handler's own part runs on the
//! connection, the future it returns on a task of its own.
#![deny(warnings)]
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use connection::{connection, Attempt, CallError, Connect, Context, Disconnect};

struct Store<T> {
    items: Vec<T>,
    lookups: u32,
}

#[derive(Debug, PartialEq)]
enum Failed {
    Missing(usize),
    Call,
}

impl From<CallError> for Failed {
    fn from(_: CallError) -> Self {
        Failed::Call
    }
}

type Formatter = Box<dyn Fn(&str) -> String + Send>;

#[connection]
impl<T: Clone + std::fmt::Debug> Store<T> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// The item at `index`, read on the connection, answered from a task.
    /// No bounds written: the macro makes the future `'static`, and `Send`
    /// is its own.
    #[call(spawn)]
    async fn get(&mut self, index: usize) -> impl Future<Output = Option<T>> {
        self.lookups += 1;
        let item = self.items.get(index).cloned();
        async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            item
        }
    }

    /// The same, flattened into the handler's own error.
    #[call(spawn, flatten)]
    async fn fetch(
        &mut self,
        index: usize,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<T, Failed>> + Send + 'static + use<T> {
        let _ = ctx.is_connected();
        let item = self.items.get(index).cloned();
        async move { item.ok_or(Failed::Missing(index)) }
    }

    /// Precise capturing without `'static`: the macro's bound is added
    /// beside it.
    #[call(spawn)]
    async fn count(&mut self) -> impl Future<Output = usize> + Send + use<T> {
        let count = self.items.len();
        async move { count }
    }

    /// A boxed future, and a unit answer.
    #[call(spawn)]
    async fn pause(&mut self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(Duration::from_millis(ms)))
    }

    /// A higher-ranked closure as the answer.
    /// In parentheses (a macro's output may have them).
    #[call(when_disconnected = queue, spawn)]
    #[allow(unused_parens)]
    async fn formatter(&mut self, prefix: String) -> (impl Future<Output = Formatter> + Send) {
        async move { Box::new(move |name: &str| format!("{prefix}{name}")) as Formatter }
    }

    #[call]
    async fn lookups(&mut self) -> u32 {
        self.lookups
    }
}

#[tokio::main]
async fn main() {
    let store = Store { items: vec!["a".to_owned(), "b".to_owned()], lookups: 0 }
        .start()
        .await
        .unwrap();
    assert_eq!(store.get(1).await.unwrap().as_deref(), Some("b"));
    assert_eq!(store.get(5).await.unwrap(), None);
    assert_eq!(store.fetch(0).await.as_deref(), Ok("a"));
    assert_eq!(store.fetch(7).await, Err(Failed::Missing(7)));
    store.pause(2).await.unwrap();
    assert_eq!(store.count().await.unwrap(), 2);
    assert_eq!((store.formatter("hi ".into()).await.unwrap())("ada"), "hi ada");
    assert_eq!(store.lookups().await.unwrap(), 2);
    store.stop(connection::Stop::Normal).await.unwrap();
}
