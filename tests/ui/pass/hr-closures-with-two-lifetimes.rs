//! Closures generic over two lifetimes, and over an output borrowed from
//! an input, held across an `.await` in every position.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Pick = Box<dyn for<'a, 'b> Fn(&'a str, &'b str) -> &'a str + Send>;
type Trim = Box<dyn Fn(&str) -> &str + Send + Sync>;

struct Conn {
    pick: Pick,
    trim: Trim,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Trim>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(trim)) = attempt {
            self.trim = trim;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, pick: Box<dyn for<'x, 'y> Fn(&'x str, &'y str) -> &'x str + Send>) -> Disconnect<Option<Trim>> {
        tokio::task::yield_now().await;
        self.pick = pick;
        Disconnect::Connect(Some(Box::new(|text| text.trim_start())))
    }

    #[call]
    async fn pick(&mut self, left: String, right: String, then: Trim) -> String {
        tokio::task::yield_now().await;
        then((self.pick)(&left, &right)).to_owned()
    }

    #[call]
    async fn picker(&mut self) -> Box<dyn for<'a, 'b> Fn(&'a str, &'b str) -> &'a str + Send> {
        tokio::task::yield_now().await;
        Box::new(|left, _| left)
    }

    #[call]
    async fn trimmer(&mut self, reply: ReplyTo<Trim>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::new(str::trim));
    }

    #[cast]
    async fn set_pick(&mut self, pick: Pick) {
        tokio::task::yield_now().await;
        self.pick = pick;
    }

    #[info]
    async fn set_trim(&mut self, trim: Box<dyn Fn(&str) -> &str + Send + Sync>) {
        tokio::task::yield_now().await;
        self.trim = trim;
    }

    #[cast]
    async fn bounce(&mut self, pick: Pick, ctx: &mut Context<Self>) {
        ctx.disconnect(pick);
    }

    #[call]
    async fn trim(&mut self, text: String) -> String {
        (self.trim)(&text).to_owned()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { pick: Box::new(|left, _| left), trim: Box::new(|text| text) }.start().await.unwrap();
    assert_eq!(client.pick(" a".into(), "b".into(), Box::new(str::trim)).await.unwrap(), "a");
    assert_eq!(client.picker().await.unwrap()("x", "y"), "x");
    assert_eq!(client.trimmer().await.unwrap()(" z "), "z");
    client.set_pick(Box::new(|_, right| if right.is_empty() { "" } else { "right" })).await.unwrap();
    assert_eq!(client.pick("l".into(), "r".into(), Box::new(|text| text)).await.unwrap(), "right");
    client.info(Box::new(str::trim_end) as Trim).await.unwrap();
    assert_eq!(client.trim("t  ".into()).await.unwrap(), "t");
    client.bounce(Box::new(|left, _| left)).await.unwrap();
    assert_eq!(client.trim("  u".into()).await.unwrap(), "u");
    client.stop(Stop::Normal).await.unwrap();
}
