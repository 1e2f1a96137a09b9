//! Types and traits of the user's own named like the standard ones the
//! `Send` checks word their errors by (`Rc`, `rc::Weak`, `Error`, `Fn`..):
//! these are `Send`, and the block compiles and runs.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

/// A reference count of the user's own: `Send`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rc<T>(std::sync::Arc<T>);

pub mod rc {
    /// A weak handle of the user's own, in a module named `rc`.
    #[derive(Clone, Debug, Default)]
    pub struct Weak(pub u32);
}

/// An error trait whose objects are always `Send + Sync`.
pub trait Error: std::fmt::Display + Send + Sync {}

#[derive(Debug)]
pub struct Lost;

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("lost")
    }
}

impl Error for Lost {}

/// A job trait whose objects are `Send`.
pub trait Job: Send {
    fn run(&self) -> u32;
}

impl Job for u32 {
    fn run(&self) -> u32 {
        *self
    }
}

mod own {
    /// Named like the standard closure trait, `Send` by its supertrait.
    pub trait Fn: Send {
        fn call(&self, n: u32) -> u32;
    }

    impl Fn for u32 {
        fn call(&self, n: u32) -> u32 {
            self + n
        }
    }
}

struct Conn {
    seen: Vec<String>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<rc::Weak>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(weak) = attempt {
            self.seen.push(format!("weak {}", weak.0));
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Box<dyn Error>) -> Disconnect<rc::Weak> {
        tokio::task::yield_now().await;
        self.seen.push(why.to_string());
        Disconnect::Connect(rc::Weak(7))
    }

    #[call]
    async fn count(&mut self, shared: Rc<u32>, job: Box<dyn Job>) -> u32 {
        tokio::task::yield_now().await;
        *shared.0 + job.run()
    }

    #[call]
    async fn share(&mut self) -> Rc<String> {
        tokio::task::yield_now().await;
        Rc(std::sync::Arc::new("shared".to_owned()))
    }

    #[call]
    async fn adder(&mut self, reply: ReplyTo<Box<dyn own::Fn>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::new(2));
    }

    #[cast]
    async fn note(&mut self, error: Box<dyn Error>) {
        self.seen.push(error.to_string());
    }

    #[info]
    async fn weak(&mut self, weak: rc::Weak) {
        tokio::task::yield_now().await;
        self.seen.push(format!("info {}", weak.0));
    }

    #[cast]
    async fn bounce(&mut self, why: Box<dyn Error>, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }

    #[call]
    async fn seen(&mut self) -> Vec<String> {
        self.seen.clone()
    }
}

#[tokio::main]
async fn main() {
    let client = Conn { seen: Vec::new() }.start().await.unwrap();
    assert_eq!(client.count(Rc(std::sync::Arc::new(1)), Box::new(2)).await.unwrap(), 3);
    assert_eq!(*client.share().await.unwrap().0, "shared");
    assert_eq!(client.adder().await.unwrap().call(1), 3);
    client.note(Box::new(Lost)).await.unwrap();
    client.info(rc::Weak(1)).await.unwrap();
    client.bounce(Box::new(Lost)).await.unwrap();
    assert_eq!(client.seen().await.unwrap(), ["weak 0", "lost", "info 1", "lost", "weak 7"]);
    client.stop(Stop::Normal).await.unwrap();
}
