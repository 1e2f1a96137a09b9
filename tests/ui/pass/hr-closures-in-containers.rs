//! Higher-ranked closures inside containers: `Vec`, `Option`, `HashMap`,
//! tuples, `Result`, nested boxes.
#![deny(warnings)]
use std::collections::HashMap;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Rule = Box<dyn Fn(&str) -> bool + Send + Sync>;

struct Conn {
    rules: HashMap<String, Rule>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Vec<(String, Rule)>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(rules) = attempt {
            self.rules.extend(rules);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Option<(String, Box<dyn Fn(&str) -> bool + Send + Sync>)>) -> Disconnect<Vec<(String, Rule)>> {
        tokio::task::yield_now().await;
        Disconnect::Connect(why.into_iter().collect())
    }

    #[call]
    async fn check(&mut self, text: String, extra: Vec<Box<dyn Fn(&str) -> bool + Send>>) -> Vec<String> {
        tokio::task::yield_now().await;
        let mut passed: Vec<String> = self.rules.iter().filter(|(_, rule)| rule(&text)).map(|(name, _)| name.clone()).collect();
        passed.sort();
        passed.extend(extra.iter().filter(|rule| rule(&text)).map(|_| "extra".to_owned()));
        passed
    }

    #[call]
    async fn take(&mut self, name: String) -> Result<Rule, String> {
        tokio::task::yield_now().await;
        self.rules.remove(&name).ok_or(name)
    }

    #[call]
    async fn both(&mut self, reply: ReplyTo<(Rule, Option<Rule>)>) {
        tokio::task::yield_now().await;
        let _ = reply.send((Box::new(|text| text.is_empty()), None));
    }

    #[cast]
    async fn add(&mut self, rules: HashMap<String, Rule>) {
        tokio::task::yield_now().await;
        self.rules.extend(rules);
    }

    #[info]
    async fn add_one(&mut self, rule: (String, Box<Rule>)) {
        tokio::task::yield_now().await;
        self.rules.insert(rule.0, *rule.1);
    }

    #[cast]
    async fn bounce(&mut self, rule: Option<(String, Rule)>, ctx: &mut Context<Self>) {
        ctx.disconnect(rule);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { rules: HashMap::new() }.start().await.unwrap();
    let mut rules: HashMap<String, Rule> = HashMap::new();
    rules.insert("short".into(), Box::new(|text| text.len() < 3));
    client.add(rules).await.unwrap();
    client.info(("digits".to_owned(), Box::new(Box::new(|text: &str| text.chars().all(|c| c.is_ascii_digit())) as Rule))).await.unwrap();
    let extra: Vec<Box<dyn Fn(&str) -> bool + Send>> = vec![Box::new(|text| text == "12")];
    assert_eq!(client.check("12".into(), extra).await.unwrap(), ["digits", "short", "extra"]);
    assert!(client.take("short".into()).await.unwrap().unwrap()("a"));
    assert_eq!(client.take("none".into()).await.unwrap().err().unwrap(), "none");
    let (empty, none) = client.both().await.unwrap();
    assert!(empty("") && none.is_none());
    client.bounce(Some(("long".into(), Box::new(|text| text.len() > 3)))).await.unwrap();
    assert_eq!(client.check("12345".into(), Vec::new()).await.unwrap(), ["digits", "long"]);
    client.stop(Stop::Normal).await.unwrap();
}
