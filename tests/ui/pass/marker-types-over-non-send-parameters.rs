//! Generic types of the user's own whose parameter is not `Send` while
//! they are (`PhantomData<fn() -> T>`, a typed id, a `Send` impl written by
//! hand): `Id<Rc<u8>>` and `Handle<dyn Fn()>` cross between tasks.
#![deny(warnings)]
use std::marker::PhantomData;
use std::rc::Rc;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

/// An id typed by what it names; holds no `T`.
pub struct Id<T: ?Sized>(u64, PhantomData<fn() -> T>);

impl<T: ?Sized> Id<T> {
    fn new(id: u64) -> Self {
        Id(id, PhantomData)
    }
}

impl<T: ?Sized> Default for Id<T> {
    fn default() -> Self {
        Id::new(0)
    }
}

/// A slot index for values kept on one thread: only the index travels.
pub struct Handle<T: ?Sized> {
    index: usize,
    kind: PhantomData<*const T>,
}

// SAFETY: a `Handle` holds an index, never a `T`.
unsafe impl<T: ?Sized> Send for Handle<T> {}

impl<T: ?Sized> Handle<T> {
    fn new(index: usize) -> Self {
        Handle { index, kind: PhantomData }
    }
}

struct Conn {
    ids: Vec<u64>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Id<Rc<u8>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(id) = attempt {
            self.ids.push(id.0);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Handle<dyn Fn()>) -> Disconnect<Id<Rc<u8>>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(Id::new(why.index as u64))
    }

    #[call]
    async fn lookup(&mut self, id: Id<Rc<String>>, handle: Handle<std::cell::RefCell<u8>>) -> u64 {
        tokio::task::yield_now().await;
        id.0 + handle.index as u64
    }

    #[call]
    async fn next_id(&mut self) -> Id<dyn std::error::Error> {
        tokio::task::yield_now().await;
        Id::new(self.ids.len() as u64)
    }

    #[call]
    async fn handle(&mut self, reply: ReplyTo<Handle<Rc<u8>>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Handle::new(3));
    }

    #[cast]
    async fn forget(&mut self, id: Id<Rc<u8>>) {
        self.ids.retain(|kept| *kept != id.0);
    }

    #[info]
    async fn seen(&mut self, id: Id<dyn Fn(&str)>) {
        tokio::task::yield_now().await;
        self.ids.push(id.0);
    }

    #[cast]
    async fn bounce(&mut self, why: Handle<dyn Fn()>, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }

    #[call]
    async fn ids(&mut self) -> Vec<u64> {
        self.ids.clone()
    }
}

#[tokio::main]
async fn main() {
    let client = Conn { ids: Vec::new() }.start().await.unwrap();
    assert_eq!(client.lookup(Id::new(1), Handle::new(2)).await.unwrap(), 3);
    assert_eq!(client.next_id().await.unwrap().0, 1);
    assert_eq!(client.handle().await.unwrap().index, 3);
    client.info(Id::new(5)).await.unwrap();
    client.forget(Id::new(0)).await.unwrap();
    client.bounce(Handle::new(9)).await.unwrap();
    assert_eq!(client.ids().await.unwrap(), [5, 9]);
    client.stop(Stop::Normal).await.unwrap();
}
