//! The TCP example's connection.

use std::{io, net::SocketAddr, time::Duration};

use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo};
use tokio::{io::AsyncWriteExt, net::TcpStream};

pub struct Tcp {
    addr: SocketAddr,
    sock: Option<TcpStream>,
}

pub enum Why {
    Io(io::Error),
    Close(ReplyTo<()>),
}

#[connection]
impl Tcp {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        match TcpStream::connect(self.addr).await {
            Ok(sock) => {
                self.sock = Some(sock);
                Connect::Ok
            }
            Err(_) => Connect::Backoff(Duration::from_secs(1)),
        }
    }

    #[disconnect]
    async fn disconnect(&mut self, why: Why) -> Disconnect<()> {
        self.sock = None;
        if let Why::Close(reply) = why {
            let _ = reply.send(());
        }
        Disconnect::Connect(())
    }

    /// Sends `data`.
    #[call]
    async fn send(&mut self, data: Vec<u8>, ctx: &mut Context<Self>) -> io::Result<()> {
        let sock = self.sock.as_mut().ok_or(io::ErrorKind::NotConnected)?;
        if let Err(error) = sock.write_all(&data).await {
            ctx.disconnect(Why::Io(io::Error::new(error.kind(), error.to_string())));
            return Err(error);
        }
        Ok(())
    }

    /// Closes the socket; answers once it is closed.
    #[call]
    async fn close(&mut self, reply: ReplyTo<()>, ctx: &mut Context<Self>) {
        ctx.disconnect(Why::Close(reply));
    }
}
