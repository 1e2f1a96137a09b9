//! `'static` references in every position: `&'static str`, slices of
//! them, `&'static` trait objects, `Cow<'static, str>`, and a `'static`
//! lock shared by every handler.
#![deny(warnings)]
use std::borrow::Cow;
use std::sync::Mutex;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

static LOG: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
static NAMES: [&str; 2] = ["one", "two"];

fn count(text: &str) -> usize {
    text.len()
}

static COUNT: &(dyn Fn(&str) -> usize + Sync) = &count;

struct Conn {
    names: &'static [&'static str],
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<&'static str>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(name) = attempt {
            LOG.lock().unwrap().push(name);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Cow<'static, str>) -> Disconnect<&'static str> {
        tokio::task::yield_now().await;
        LOG.lock().unwrap().push(if why.is_empty() { "empty" } else { "why" });
        Disconnect::Connect("again")
    }

    #[call]
    async fn name(&mut self, index: usize, counter: &'static (dyn Fn(&str) -> usize + Sync)) -> (&'static str, usize) {
        tokio::task::yield_now().await;
        let name = self.names[index];
        (name, counter(name))
    }

    #[call]
    async fn names(&mut self) -> &'static [&'static str] {
        tokio::task::yield_now().await;
        self.names
    }

    #[call]
    async fn first(&mut self, reply: ReplyTo<Option<&'static str>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(self.names.first().copied());
    }

    #[cast]
    async fn set(&mut self, names: &'static [&'static str]) {
        self.names = names;
    }

    #[info]
    async fn log(&mut self, line: &'static str) {
        tokio::task::yield_now().await;
        LOG.lock().unwrap().push(line);
    }

    #[cast]
    async fn bounce(&mut self, why: Cow<'static, str>, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { names: &NAMES }.start().await.unwrap();
    assert_eq!(client.name(1, COUNT).await.unwrap(), ("two", 3));
    assert_eq!(client.names().await.unwrap(), NAMES);
    assert_eq!(client.first().await.unwrap(), Some("one"));
    client.set(&[]).await.unwrap();
    assert_eq!(client.first().await.unwrap(), None);
    client.info("info").await.unwrap();
    client.bounce(Cow::Owned("x".to_owned())).await.unwrap();
    client.stop(Stop::Normal).await.unwrap();
    assert_eq!(*LOG.lock().unwrap(), ["", "info", "why", "again"]);
}
