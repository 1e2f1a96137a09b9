//! Generic impl blocks: the message enum, the client and the connection impl
//! carry the block's parameters and bounds.

use std::fmt::Display;

use connection::{Attempt, Connect, Disconnect, connection};

/// A type parameter that requests mention.
struct Store<T> {
    items: Vec<T>,
}

#[connection]
impl<T: Clone + Send + 'static> Store<T> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Adds an item and returns how many there are.
    #[call]
    async fn push(&mut self, item: T) -> usize {
        self.items.push(item);
        self.items.len()
    }

    /// The item at `index`.
    #[call]
    async fn get(&mut self, index: usize) -> Option<T> {
        self.items.get(index).cloned()
    }
}

/// A type parameter that no request mentions, with a where clause.
struct Greeter<G> {
    greeting: G,
}

#[connection]
impl<G> Greeter<G>
where
    G: Display + Send + 'static,
{
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// Greets `name`.
    #[call]
    async fn greet(&mut self, name: String) -> String {
        format!("{} {name}", self.greeting)
    }
}

#[tokio::test]
async fn a_type_parameter_used_by_requests_flows_through_the_client() {
    let client: StoreClient<String> = Store { items: Vec::new() }.start().await.unwrap();
    assert_eq!(client.push("a".to_owned()).await.unwrap(), 1);
    assert_eq!(client.push("b".to_owned()).await.unwrap(), 2);
    assert_eq!(client.get(1).await.unwrap().as_deref(), Some("b"));
    let cloned = client.clone();
    assert_eq!(cloned.get(5).await.unwrap(), None);
}

#[tokio::test]
async fn a_type_parameter_no_request_mentions_still_compiles() {
    let client = Greeter { greeting: "hello" }.start().await.unwrap();
    assert_eq!(client.greet("you".to_owned()).await.unwrap(), "hello you");
    let other = Greeter { greeting: 42 }.start().await.unwrap();
    assert_eq!(other.greet("answer".to_owned()).await.unwrap(), "42 answer");
    assert!(format!("{other:?}").contains("Client"));
}

/// A generic block whose `#[info]` type mentions the parameter and whose
/// `#[disconnect]` type does not: both become generic newtypes.
struct Feed<T> {
    seen: Vec<T>,
}

#[connection]
impl<T: Clone + Send + 'static> Feed<T> {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: &'static str) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    /// What was fed so far.
    #[call]
    async fn seen(&mut self) -> Vec<T> {
        self.seen.clone()
    }

    /// Drops the link.
    #[cast]
    async fn drop_link(&mut self, ctx: &mut connection::Context<Self>) {
        ctx.disconnect("asked");
    }

    #[info]
    async fn on_item(&mut self, item: T) {
        self.seen.push(item);
    }
}

#[tokio::test]
async fn info_and_disconnect_types_of_a_generic_block() {
    let client = Feed::<u8> { seen: Vec::new() }.start().await.unwrap();
    client.info(1).await.unwrap();
    client.info_sender().send(2).await.unwrap();
    client.drop_link().await.unwrap();
    assert_eq!(client.seen().await.unwrap(), [1, 2]);
    assert!(!client.is_connected());
}

/// A user's exhaustive `match` over a generic message enum names only the
/// requests: the variant that carries the type parameters is uninhabited.
fn describe<T: Clone + Send + 'static>(message: StoreMessage<T>) -> &'static str {
    match message {
        StoreMessage::Push { .. } => "push",
        StoreMessage::Get { .. } => "get",
    }
}

#[test]
fn a_match_on_a_generic_message_needs_no_arm_for_the_hidden_variant() {
    // Compiling `describe` is the test; naming it keeps it from being dead.
    let describe: fn(StoreMessage<String>) -> &'static str = describe;
    let _ = describe;
}
