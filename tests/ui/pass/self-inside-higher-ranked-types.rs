//! `Self` inside closures, trait objects, qualified paths and function
//! pointers in every position: the generated items spell it as the
//! connection's type wherever it is.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

pub trait Named {
    type Name;
}

struct Conn {
    n: u32,
    hooks: Vec<Box<dyn Fn(&mut Self) + Send>>,
}

impl Named for Conn {
    type Name = String;
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Box<dyn FnOnce(&mut Self) + Send>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(hook)) = attempt {
            hook(self);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, hook: fn(&mut Self) -> u32) -> Disconnect<Option<Box<dyn FnOnce(&mut Self) + Send>>> {
        tokio::task::yield_now().await;
        self.n += hook(self);
        Disconnect::Connect(Some(Box::new(|conn: &mut Self| conn.n *= 2)))
    }

    #[call]
    async fn apply(&mut self, hook: Box<dyn Fn(&mut Self) -> u32 + Send>) -> u32 {
        tokio::task::yield_now().await;
        hook(self)
    }

    #[call]
    async fn reader(&mut self) -> fn(&Self) -> u32 {
        |conn| conn.n
    }

    #[call]
    async fn name(&mut self, reply: ReplyTo<<Self as Named>::Name>) {
        let _ = reply.send(format!("conn {}", self.n));
    }

    #[cast]
    async fn hook(&mut self, hook: Box<dyn Fn(&mut Self) + Send>) {
        self.hooks.push(hook);
    }

    #[info]
    async fn run_hooks(&mut self, times: Vec<Option<Box<Self>>>) {
        for _ in times {
            let hooks = std::mem::take(&mut self.hooks);
            for hook in &hooks {
                hook(self);
            }
            self.hooks = hooks;
        }
    }

    #[cast]
    async fn bounce(&mut self, hook: fn(&mut Self) -> u32, ctx: &mut Context<Self>) {
        ctx.disconnect(hook);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { n: 1, hooks: Vec::new() }.start().await.unwrap();
    assert_eq!(client.apply(Box::new(|conn| conn.n + 1)).await.unwrap(), 2);
    client.hook(Box::new(|conn| conn.n += 10)).await.unwrap();
    client.info(vec![None, None]).await.unwrap();
    let read = client.reader().await.unwrap();
    assert_eq!(read(&Conn { n: 5, hooks: Vec::new() }), 5);
    assert_eq!(client.name().await.unwrap(), "conn 21");
    client.bounce(|conn| conn.n).await.unwrap();
    assert_eq!(client.name().await.unwrap(), "conn 84");
    client.stop(Stop::Normal).await.unwrap();
}
