//! The client and message renamed, a narrower visibility for a
//! crate-private connection, public info methods, and the runtime named
//! through another path, with higher-ranked types in the requests.
#![deny(warnings)]
mod inner {
    pub(crate) use connection as runtime;
    use runtime::{Attempt, Connect, Context, Disconnect, ReplyTo};

    pub(crate) struct Device {
        pub(crate) seen: Vec<String>,
    }

    #[runtime::connection(client = Handle, message = Request, vis = pub(crate), info_vis = pub(crate), crate = runtime)]
    impl Device {
        #[connect]
        async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
            Connect::Ok
        }

        #[disconnect]
        async fn disconnect(&mut self, why: Box<dyn Fn(&str) -> String + Send>) -> Disconnect<()> {
            self.seen.push(why("lost"));
            Disconnect::Connect(())
        }

        #[call]
        async fn format(&mut self, f: Box<dyn Fn(&str) -> String + Send>) -> String {
            tokio::task::yield_now().await;
            f("device")
        }

        #[call]
        async fn seen(&mut self, reply: ReplyTo<Vec<String>>) {
            let _ = reply.send(self.seen.clone());
        }

        #[info]
        async fn saw(&mut self, line: String) {
            self.seen.push(line);
        }

        #[cast]
        async fn lose(&mut self, why: Box<dyn Fn(&str) -> String + Send>, ctx: &mut Context<Self>) {
            ctx.disconnect(why);
        }
    }
}

use inner::{Device, Handle, Request};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client: Handle = Device { seen: Vec::new() }.start().await.unwrap();
    assert_eq!(client.format(Box::new(|text| text.to_uppercase())).await.unwrap(), "DEVICE");
    client.info("saw".to_owned()).await.unwrap();
    client.lose(Box::new(|text| format!("{text}!"))).await.unwrap();
    assert_eq!(client.seen().await.unwrap(), ["saw", "lost!"]);
    let request: Option<Request> = None;
    assert!(request.is_none());
    client.stop(inner::runtime::Stop::Normal).await.unwrap();
}
