//! Closures that take closures: higher-ranked types nested in
//! higher-ranked types, in every position.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Visit = Box<dyn Fn(&dyn Fn(&u32) -> u32) -> u32 + Send>;
type Each = Box<dyn for<'a> Fn(&'a [u32], &mut dyn FnMut(&'a u32)) + Send>;

struct Conn {
    values: Vec<u32>,
    each: Each,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Each>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(each)) = attempt {
            self.each = each;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, visit: Visit) -> Disconnect<Option<Each>> {
        tokio::task::yield_now().await;
        self.values.push(visit(&|n| n + 1));
        Disconnect::Connect(Some(Box::new(|values, f| values.iter().rev().for_each(f))))
    }

    #[call]
    async fn visit(&mut self, visit: Box<dyn Fn(&dyn Fn(&u32) -> u32) -> u32 + Send>) -> u32 {
        tokio::task::yield_now().await;
        let first = self.values[0];
        visit(&move |n| n * first)
    }

    #[call]
    async fn collect(&mut self) -> Vec<u32> {
        tokio::task::yield_now().await;
        let mut seen = Vec::new();
        (self.each)(&self.values, &mut |n| seen.push(*n));
        seen
    }

    #[call]
    async fn visitor(&mut self, reply: ReplyTo<Visit>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::new(|f| f(&10)));
    }

    #[cast]
    async fn set_each(&mut self, each: Each) {
        self.each = each;
    }

    #[info]
    async fn push_visited(&mut self, visit: Visit) {
        tokio::task::yield_now().await;
        self.values.push(visit(&|n| *n));
    }

    #[cast]
    async fn bounce(&mut self, visit: Visit, ctx: &mut Context<Self>) {
        ctx.disconnect(visit);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let each: Each = Box::new(|values, f| values.iter().for_each(f));
    let client = Conn { values: vec![2], each }.start().await.unwrap();
    assert_eq!(client.visit(Box::new(|f| f(&3))).await.unwrap(), 6);
    assert_eq!(client.visitor().await.unwrap()(&|n| n + 1), 11);
    client.info(Box::new(|f: &dyn Fn(&u32) -> u32| f(&5)) as Visit).await.unwrap();
    assert_eq!(client.collect().await.unwrap(), [2, 5]);
    client.set_each(Box::new(|values, f| values.iter().take(1).for_each(f))).await.unwrap();
    assert_eq!(client.collect().await.unwrap(), [2]);
    client.bounce(Box::new(|f| f(&7))).await.unwrap();
    assert_eq!(client.collect().await.unwrap(), [8, 5, 2]);
    client.stop(Stop::Normal).await.unwrap();
}
