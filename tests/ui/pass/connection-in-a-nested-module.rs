//! A connection declared in a nested module whose handlers name types
//! through `super::`, `crate::`, `self::` and sibling modules, with
//! private types in public positions of the module.
#![deny(warnings)]
pub mod proto {
    /// A frame of the protocol, used from the connection's module.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Frame(pub Vec<u8>);

    pub mod errors {
        /// Why a link was lost.
        #[derive(Debug, PartialEq)]
        pub enum Lost {
            Closed,
            Reset(u32),
        }
    }
}

mod net {
    pub mod link {
        use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};

        /// Private to this module: the info the link's reader sends.
        pub(super) struct Received(pub(super) crate::proto::Frame);

        /// Private to this module: what `connect` is told.
        #[derive(Default)]
        struct Target(u16);

        pub struct Link {
            pub(crate) frames: Vec<super::super::proto::Frame>,
            port: u16,
        }

        impl Link {
            pub fn new() -> Self {
                Link { frames: Vec::new(), port: 0 }
            }
        }

        #[connection]
        impl Link {
            #[connect]
            async fn connect(&mut self, attempt: Attempt<Target>) -> Connect {
                tokio::task::yield_now().await;
                if let Attempt::Requested(target) = attempt {
                    self.port = target.0;
                }
                Connect::Ok
            }

            #[disconnect]
            async fn disconnect(&mut self, lost: crate::proto::errors::Lost) -> Disconnect<Target> {
                tokio::task::yield_now().await;
                let port = match lost {
                    crate::proto::errors::Lost::Closed => 1,
                    crate::proto::errors::Lost::Reset(port) => port as u16,
                };
                Disconnect::Connect(self::Target(port))
            }

            #[call]
            pub async fn send(&mut self, frame: super::super::proto::Frame) -> Option<crate::proto::Frame> {
                tokio::task::yield_now().await;
                self.frames.push(frame);
                self.frames.first().cloned()
            }

            #[call]
            pub async fn port(&mut self, reply: ReplyTo<u16>) {
                let _ = reply.send(self.port);
            }

            #[info]
            async fn received(&mut self, received: Received) {
                tokio::task::yield_now().await;
                self.frames.push(received.0);
            }

            #[cast]
            pub async fn lose(&mut self, lost: crate::proto::errors::Lost, ctx: &mut Context<Self>) {
                ctx.disconnect(lost);
            }
        }

        pub(crate) async fn feed(client: &LinkClient, bytes: Vec<u8>) {
            client.info(Received(crate::proto::Frame(bytes))).await.unwrap();
        }
    }
}

use net::link::{Link, LinkClient};
use proto::errors::Lost;
use proto::Frame;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client: LinkClient = Link::new().start().await.unwrap();
    assert_eq!(client.send(Frame(vec![1])).await.unwrap(), Some(Frame(vec![1])));
    net::link::feed(&client, vec![2]).await;
    client.lose(Lost::Reset(7)).await.unwrap();
    assert_eq!(client.port().await.unwrap(), 7);
    client.lose(Lost::Closed).await.unwrap();
    assert_eq!(client.port().await.unwrap(), 1);
    client.stop(connection::Stop::Normal).await.unwrap();
}
