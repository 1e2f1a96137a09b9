//! `Result<T, Infallible>`, `PhantomData` of types that are not `Send`
//! behind a function pointer (which is), zero-sized types and empty enums
//! as arguments, replies and infos.
#![deny(warnings)]
use std::convert::Infallible;
use std::marker::PhantomData;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

#[derive(Debug, Default, PartialEq)]
pub struct Marker;

pub enum Never {}

struct Conn {
    count: u32,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<PhantomData<fn() -> std::rc::Rc<u8>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(PhantomData) = attempt {
            self.count += 1;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Result<Marker, Never>) -> Disconnect<PhantomData<fn() -> std::rc::Rc<u8>>> {
        tokio::task::yield_now().await;
        let Ok(Marker) = why;
        Disconnect::Connect(PhantomData)
    }

    #[call]
    async fn count(&mut self, _marker: Marker, _phantom: PhantomData<fn() -> *const u8>) -> Result<u32, Infallible> {
        tokio::task::yield_now().await;
        Ok(self.count)
    }

    #[call]
    async fn marker(&mut self, reply: ReplyTo<Result<Marker, Infallible>>) {
        let _ = reply.send(Ok(Marker));
    }

    #[cast]
    async fn never(&mut self, never: Option<Never>) {
        if let Some(never) = never {
            match never {}
        }
    }

    #[info]
    async fn tick(&mut self, _tick: Marker) {
        self.count += 10;
    }

    #[cast]
    async fn bounce(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect(Ok::<_, Never>(Marker));
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { count: 0 }.start().await.unwrap();
    client.info(Marker).await.unwrap();
    client.never(None).await.unwrap();
    client.bounce().await.unwrap();
    assert_eq!(client.marker().await.unwrap(), Ok(Marker));
    assert_eq!(client.count(Marker, PhantomData).await.unwrap(), Ok(12));
    client.stop(Stop::Normal).await.unwrap();
}
