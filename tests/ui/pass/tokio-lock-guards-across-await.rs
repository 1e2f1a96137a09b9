//! tokio's lock guards held across an `.await` in every handler kind
//! (`Mutex`, `RwLock` read and write), the locks shared with the caller.
#![deny(warnings)]
use std::sync::Arc;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};
use tokio::sync::{Mutex, RwLock};

struct Conn {
    log: Arc<Mutex<Vec<String>>>,
    config: Arc<RwLock<String>>,
}

impl Conn {
    async fn note(&self, line: &str) {
        let mut log = self.log.lock().await;
        tokio::task::yield_now().await;
        log.push(line.to_owned());
    }
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        let config = self.config.read().await;
        tokio::task::yield_now().await;
        let line = format!("connect {}", *config);
        drop(config);
        self.note(&line).await;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: String) -> Disconnect<()> {
        let mut config = self.config.write().await;
        tokio::task::yield_now().await;
        *config = why;
        Disconnect::Connect(())
    }

    #[call]
    async fn append(&mut self, line: String) -> usize {
        let mut log = self.log.lock().await;
        tokio::task::yield_now().await;
        log.push(line);
        log.len()
    }

    #[call]
    async fn config(&mut self) -> String {
        let config = self.config.read().await;
        tokio::task::yield_now().await;
        config.clone()
    }

    #[call]
    async fn lines(&mut self, reply: ReplyTo<Vec<String>>) {
        let log = self.log.lock().await;
        tokio::task::yield_now().await;
        let _ = reply.send(log.clone());
    }

    #[cast]
    async fn set(&mut self, config: String) {
        let mut guard = self.config.write().await;
        tokio::task::yield_now().await;
        *guard = config;
    }

    #[info]
    async fn noted(&mut self, line: &'static str) {
        self.note(line).await;
    }

    #[cast]
    async fn bounce(&mut self, why: String, ctx: &mut Context<Self>) {
        let _held = self.log.lock().await;
        tokio::task::yield_now().await;
        ctx.disconnect(why);
    }
}

#[tokio::main]
async fn main() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let config = Arc::new(RwLock::new("v1".to_owned()));
    let client = Conn { log: Arc::clone(&log), config: Arc::clone(&config) }.start().await.unwrap();
    assert_eq!(client.append("a".into()).await.unwrap(), 2);
    assert_eq!(client.config().await.unwrap(), "v1");
    client.set("v2".into()).await.unwrap();
    client.info("info").await.unwrap();
    client.bounce("v3".into()).await.unwrap();
    assert_eq!(client.lines().await.unwrap(), ["connect v1", "a", "info", "connect v3"]);
    client.stop(Stop::Normal).await.unwrap();
    assert_eq!(*config.read().await, "v3");
    assert_eq!(log.lock().await.len(), 4);
}
