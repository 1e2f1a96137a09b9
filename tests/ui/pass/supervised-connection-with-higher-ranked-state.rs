//! A supervised connection whose state, requests and infos hold
//! higher-ranked closures: restarted by its factory after a panic, the
//! same client serves the new incarnation.
#![deny(warnings)]
use std::sync::Arc;

use connection::{
    connection, supervise, Attempt, Connect, Context, Disconnect, Options, ReplyTo, Restart,
    RestartPolicy, Stop,
};

type Rule = Arc<dyn Fn(&str) -> bool + Send + Sync>;

struct Conn {
    rules: Vec<Rule>,
    restarted: bool,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Rule>>) -> Connect {
        if let Attempt::Requested(Some(rule)) = attempt {
            self.rules.push(rule);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, rule: Rule) -> Disconnect<Option<Rule>> {
        Disconnect::Connect(Some(rule))
    }

    #[call]
    async fn check(&mut self, text: String, extra: Box<dyn for<'a> Fn(&'a str) -> &'a str + Send>) -> (bool, bool) {
        tokio::task::yield_now().await;
        let text = extra(&text);
        (self.rules.iter().all(|rule| rule(text)), self.restarted)
    }

    #[call]
    async fn rules(&mut self, reply: ReplyTo<Vec<Rule>>) {
        let _ = reply.send(self.rules.clone());
    }

    #[cast]
    async fn crash(&mut self, why: Box<dyn Fn() -> String + Send>) {
        panic!("{}", why());
    }

    #[info]
    async fn add(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    #[cast]
    async fn bounce(&mut self, rule: Rule, ctx: &mut Context<Self>) {
        ctx.disconnect(rule);
    }
}

#[tokio::main]
async fn main() {
    // The panic is on purpose: keep its message out of the test's output.
    std::panic::set_hook(Box::new(|_| {}));
    let mut starts = 0;
    let factory = move || {
        starts += 1;
        Conn { rules: Vec::new(), restarted: starts > 1 }
    };
    let client = supervise(factory, RestartPolicy::new(Restart::Permanent), Options::default()).await.unwrap();
    client.info(Arc::new(|text: &str| !text.is_empty()) as Rule).await.unwrap();
    client.bounce(Arc::new(|text| text.len() < 5)).await.unwrap();
    assert_eq!(client.check(" abc ".into(), Box::new(str::trim)).await.unwrap(), (true, false));
    assert_eq!(client.rules().await.unwrap().len(), 2);
    client.crash(Box::new(|| "on purpose".to_owned())).await.unwrap();
    // The next incarnation: a fresh state from the factory.
    let (passes, restarted) = client.check("toolong".into(), Box::new(|text| text)).await.unwrap();
    assert!(passes && restarted);
    client.stop(Stop::Normal).await.unwrap();
}
