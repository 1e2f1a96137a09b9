//! Owned lock guards and semaphore permits sent to the connection and
//! back: a caller hands over exclusive access, the connection holds it
//! across `.await`s and returns it.
#![deny(warnings)]
use std::sync::Arc;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit, RwLock, Semaphore};

struct Conn {
    held: Vec<OwnedSemaphorePermit>,
    slots: Arc<Semaphore>,
    table: Arc<RwLock<Vec<u32>>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<OwnedSemaphorePermit>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(permit)) = attempt {
            self.held.push(permit);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, mut guard: OwnedMutexGuard<u32>) -> Disconnect<Option<OwnedSemaphorePermit>> {
        *guard += 1;
        tokio::task::yield_now().await;
        *guard += 1;
        let permit = Arc::clone(&self.slots).acquire_owned().await.unwrap();
        Disconnect::Connect(Some(permit))
    }

    #[call]
    async fn bump(&mut self, mut guard: OwnedMutexGuard<u32>) -> OwnedMutexGuard<u32> {
        tokio::task::yield_now().await;
        *guard += 10;
        guard
    }

    #[call]
    async fn writer(&mut self) -> OwnedRwLockWriteGuard<Vec<u32>> {
        let mut guard = Arc::clone(&self.table).write_owned().await;
        tokio::task::yield_now().await;
        guard.push(1);
        guard
    }

    #[call]
    async fn permit(&mut self, reply: ReplyTo<OwnedSemaphorePermit>) {
        let permit = Arc::clone(&self.slots).acquire_owned().await.unwrap();
        tokio::task::yield_now().await;
        let _ = reply.send(permit);
    }

    #[cast]
    async fn keep(&mut self, permit: OwnedSemaphorePermit) {
        self.held.push(permit);
    }

    #[info]
    async fn release(&mut self, _all: ()) {
        tokio::task::yield_now().await;
        self.held.clear();
    }

    #[cast]
    async fn bounce(&mut self, guard: OwnedMutexGuard<u32>, ctx: &mut Context<Self>) {
        ctx.disconnect(guard);
    }
}

#[tokio::main]
async fn main() {
    let slots = Arc::new(Semaphore::new(3));
    let table = Arc::new(RwLock::new(Vec::new()));
    let client = Conn { held: Vec::new(), slots: Arc::clone(&slots), table: Arc::clone(&table) }.start().await.unwrap();
    let counter = Arc::new(Mutex::new(0));
    let guard = client.bump(Arc::clone(&counter).lock_owned().await).await.unwrap();
    assert_eq!(*guard, 10);
    drop(guard);
    let mut table_guard = client.writer().await.unwrap();
    table_guard.push(2);
    drop(table_guard);
    assert_eq!(*table.read().await, [1, 2]);
    let permit = client.permit().await.unwrap();
    assert_eq!(slots.available_permits(), 2);
    client.keep(permit).await.unwrap();
    client.bounce(Arc::clone(&counter).lock_owned().await).await.unwrap();
    client.info(()).await.unwrap();
    client.stop(Stop::Normal).await.unwrap();
    assert_eq!(*counter.lock().await, 12);
    assert_eq!(slots.available_permits(), 3);
}
