//! Two connections whose states hold each other's clients (and one its own
//! weak client), with a user type sent both ways: the `Send` assumptions on
//! the generated items (`for<'__sent> A: Send`) hold through the cycle.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect, WeakClient};

pub struct Note(pub String);

struct A {
    b: Option<BClient>,
    me: Option<WeakClient<A>>,
}

struct B {
    a: Option<AClient>,
}

#[connection]
impl A {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn echo(&mut self, note: Note) -> Note {
        let _ = (&self.b, &self.me);
        note
    }

    #[cast]
    async fn set(&mut self, b: BClient) {
        self.b = Some(b);
    }
}

#[connection]
impl B {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[call]
    async fn ask(&mut self, note: Note) -> Note {
        match &self.a {
            Some(a) => a.echo(note).await.unwrap(),
            None => note,
        }
    }

    #[cast]
    async fn set(&mut self, a: AClient) {
        self.a = Some(a);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = A { b: None, me: None }.start().await.unwrap();
    let b = B { a: None }.start().await.unwrap();
    a.set(b.clone()).await.unwrap();
    b.set(a.clone()).await.unwrap();
    assert_eq!(b.ask(Note("hi".into())).await.unwrap().0, "hi");
}
