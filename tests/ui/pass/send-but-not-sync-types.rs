//! Types that are `Send` but not `Sync` (`Cell`, `RefCell`, `mpsc`
//! senders of the standard library, a `Box<dyn Fn + Send>`): only `Send`
//! is asked of what crosses between tasks.
#![deny(warnings)]
use std::cell::{Cell, RefCell};
use std::sync::mpsc;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

struct Conn {
    count: Cell<u32>,
    log: RefCell<Vec<String>>,
    out: Option<mpsc::Sender<String>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<mpsc::Sender<String>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(out)) = attempt {
            out.send("connected".into()).unwrap();
            self.out = Some(out);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: RefCell<String>) -> Disconnect<Option<mpsc::Sender<String>>> {
        tokio::task::yield_now().await;
        self.log.borrow_mut().push(why.into_inner());
        Disconnect::Connect(self.out.take())
    }

    #[call]
    async fn add(&mut self, by: Cell<u32>) -> Cell<u32> {
        tokio::task::yield_now().await;
        self.count.set(self.count.get() + by.get());
        Cell::new(self.count.get())
    }

    #[call]
    async fn log(&mut self, reply: ReplyTo<RefCell<Vec<String>>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(self.log.clone());
    }

    #[cast]
    async fn attach(&mut self, out: mpsc::Sender<String>) {
        self.out = Some(out);
    }

    #[info]
    async fn line(&mut self, line: RefCell<String>) {
        tokio::task::yield_now().await;
        self.log.borrow_mut().push(line.into_inner());
    }

    #[cast]
    async fn bounce(&mut self, why: RefCell<String>, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }
}

#[tokio::main]
async fn main() {
    let client = Conn { count: Cell::new(0), log: RefCell::default(), out: None }.start().await.unwrap();
    assert_eq!(client.add(Cell::new(2)).await.unwrap().get(), 2);
    let (out, lines) = mpsc::channel();
    client.attach(out).await.unwrap();
    client.info(RefCell::new("info".to_owned())).await.unwrap();
    client.bounce(RefCell::new("bounced".to_owned())).await.unwrap();
    assert_eq!(*client.log().await.unwrap().borrow(), ["info", "bounced"]);
    assert_eq!(lines.recv().unwrap(), "connected");
    client.stop(Stop::Normal).await.unwrap();
}
