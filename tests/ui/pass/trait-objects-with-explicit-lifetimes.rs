//! Trait objects with their lifetimes written out (`+ 'static`), `dyn Any`,
//! `dyn Display`, and a trait with a lifetime parameter made `'static`.
#![deny(warnings)]
use std::any::Any;
use std::fmt::Display;

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

pub trait Visitor<'a> {
    fn visit(&self, text: &'a str) -> &'a str;
}

struct Head;

impl<'a> Visitor<'a> for Head {
    fn visit(&self, text: &'a str) -> &'a str {
        &text[..1]
    }
}

type Shown = Box<dyn Display + Send + 'static>;

struct Conn {
    shown: Vec<String>,
    visitor: Box<dyn Visitor<'static> + Send + Sync + 'static>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Option<Box<dyn Any + Send + 'static>>>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(Some(any)) = attempt {
            if let Ok(text) = any.downcast::<String>() {
                self.shown.push(*text);
            }
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Box<dyn Display + Send + Sync + 'static>) -> Disconnect<Option<Box<dyn Any + Send>>> {
        tokio::task::yield_now().await;
        self.shown.push(why.to_string());
        Disconnect::Connect(Some(Box::new("back".to_owned())))
    }

    #[call]
    async fn show(&mut self, shown: Shown, any: Box<dyn Any + Send>) -> usize {
        tokio::task::yield_now().await;
        self.shown.push(shown.to_string());
        any.downcast_ref::<u32>().map_or(0, |n| *n as usize)
    }

    #[call]
    async fn visit(&mut self, text: &'static str) -> &'static str {
        tokio::task::yield_now().await;
        self.visitor.visit(text)
    }

    #[call]
    async fn any(&mut self, reply: ReplyTo<Box<dyn Any + Send + 'static>>) {
        tokio::task::yield_now().await;
        let _ = reply.send(Box::new(5_u8));
    }

    #[cast]
    async fn set(&mut self, visitor: Box<dyn Visitor<'static> + Send + Sync>) {
        self.visitor = visitor;
    }

    #[info]
    async fn shown(&mut self, shown: Shown) {
        tokio::task::yield_now().await;
        self.shown.push(shown.to_string());
    }

    #[cast]
    async fn bounce(&mut self, why: Box<dyn Display + Send + Sync>, ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }

    #[call]
    async fn all(&mut self) -> Vec<String> {
        self.shown.clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { shown: Vec::new(), visitor: Box::new(Head) }.start().await.unwrap();
    assert_eq!(client.show(Box::new(1.5), Box::new(7_u32)).await.unwrap(), 7);
    assert_eq!(client.visit("hello").await.unwrap(), "h");
    assert_eq!(*client.any().await.unwrap().downcast::<u8>().unwrap(), 5);
    client.set(Box::new(Head)).await.unwrap();
    client.info(Box::new('c') as Shown).await.unwrap();
    client.bounce(Box::new("lost")).await.unwrap();
    assert_eq!(client.all().await.unwrap(), ["1.5", "c", "lost", "back"]);
    client.stop(Stop::Normal).await.unwrap();
}
