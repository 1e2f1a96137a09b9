//! `#[cfg]`-gated handlers of every kind: those switched off leave no
//! request, variant or method behind (and their types, even ones that
//! could not cross tasks, are not checked); those switched on work;
//! alternatives of one name (or one lifecycle kind) under different
//! conditions each take their place.
#![deny(warnings)]

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

struct Conn {
    log: Vec<&'static str>,
    flushes: u32,
    done: Option<tokio::sync::oneshot::Sender<Vec<&'static str>>>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: &'static str) -> Disconnect<()> {
        self.log.push(why);
        Disconnect::Connect(())
    }

    #[cfg(all())]
    #[call]
    async fn kept(&mut self, f: Box<dyn Fn(&str) -> usize + Send>) -> usize {
        tokio::task::yield_now().await;
        f("kept")
    }

    #[cfg(any())]
    #[call]
    async fn gone(&mut self, shared: std::rc::Rc<u32>) -> std::rc::Rc<u32> {
        shared
    }

    #[cfg(not(any()))]
    #[call]
    async fn deferred(&mut self, reply: ReplyTo<Vec<&'static str>>) {
        let _ = reply.send(self.log.clone());
    }

    #[cfg(any())]
    #[call]
    async fn deferred_gone(&mut self, reply: ReplyTo<std::rc::Rc<u8>>) {
        let _ = reply;
    }

    #[cfg(debug_assertions)]
    #[cast]
    async fn note(&mut self, line: &'static str) {
        self.log.push(line);
    }

    #[cfg(not(debug_assertions))]
    #[cast]
    async fn note(&mut self, line: &'static str) {
        self.log.push(line);
        self.log.push("release");
    }

    #[cfg(any())]
    #[cast]
    async fn cast_gone(&mut self, job: Box<dyn FnOnce()>) {
        job();
    }

    #[cfg(all())]
    #[call]
    async fn flushes(&mut self) -> u32 {
        self.flushes
    }

    #[cfg(all())]
    #[info]
    async fn info(&mut self, line: &'static str) {
        self.log.push(line);
    }

    #[cfg(all())]
    #[cast]
    async fn bounce(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect("bounced");
    }

    #[cfg(any())]
    #[init]
    async fn init(&mut self) -> connection::Init<()> {
        self.log.push("never");
        connection::Init::Connect(())
    }

    #[cfg(any())]
    #[flush]
    async fn flush(&mut self) {
        self.log.push("never");
    }

    #[cfg(all())]
    #[flush]
    async fn flush_kept(&mut self) {
        self.flushes += 1;
    }

    #[cfg(any())]
    #[timeout]
    async fn idle(&mut self) {}

    #[cfg(any())]
    #[terminate]
    async fn terminate(&mut self, _reason: &Stop) {
        self.log.push("never");
    }

    #[cfg(all())]
    #[terminate]
    async fn terminate_kept(&mut self, _reason: &Stop) {
        self.log.push("terminated");
        let _ = self.done.take().map(|done| done.send(self.log.clone()));
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (done, finished) = tokio::sync::oneshot::channel();
    let client = Conn { log: Vec::new(), flushes: 0, done: Some(done) }.start().await.unwrap();
    assert_eq!(client.kept(Box::new(str::len)).await.unwrap(), 4);
    client.note("note").await.unwrap();
    client.info("info").await.unwrap();
    client.bounce().await.unwrap();
    let log = client.deferred().await.unwrap();
    let expected: &[&str] = if cfg!(debug_assertions) {
        &["note", "info", "bounced"]
    } else {
        &["note", "release", "info", "bounced"]
    };
    assert_eq!(log, expected);
    assert!(client.flushes().await.unwrap() > 0);
    client.stop(Stop::Normal).await.unwrap();
    assert_eq!(finished.await.unwrap().last(), Some(&"terminated"));
}
