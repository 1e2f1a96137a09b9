//! Generated code is lint-clean in a strict user crate: the fixture in
//! `src/lib.rs` is compiled as a library under `deny(warnings, missing_docs,
//! unused_qualifications, clippy::pedantic)`; this test uses every item it
//! generated.

#![deny(warnings, unused_qualifications)]

use connection_suite::strict;

#[tokio::test]
async fn a_strict_crate_uses_every_generated_item() {
    let client = strict::Strict::new().start().await.unwrap();
    assert_eq!(client.add(1).await.unwrap(), 2);
    client.touch().await.unwrap();
    assert_eq!(client.deferred().await.unwrap(), 2);
    client.drop_link().await.unwrap();
    client.info(10).await.unwrap();
    assert_eq!(client.add(0).await.unwrap(), 10);
    client.stop(connection::Stop::Normal).await.unwrap();
}
