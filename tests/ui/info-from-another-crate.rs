// A client of a connection defined in another crate cannot feed its
// `#[info]` handler: infos are what the connection's own tasks tell it.
use connection_suite::sealed::{Frame, Sealed};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Sealed::default().start().await.unwrap();
    client.info(Frame(1)).await.unwrap();
}
