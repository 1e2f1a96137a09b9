//! `FnMut` and `FnOnce` closures over borrowed arguments, kept in the
//! state and called on both sides of an `.await`.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

type Sink = Box<dyn FnMut(&mut Vec<u8>, &[u8]) + Send>;
type Once = Box<dyn FnOnce(&mut Vec<u8>) -> usize + Send>;

struct Conn {
    buffer: Vec<u8>,
    sink: Sink,
    pending: Vec<Once>,
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<Vec<Once>>) -> Connect {
        let Attempt::Requested(onces) = attempt else { return Connect::Ok };
        for once in onces {
            once(&mut self.buffer);
            tokio::task::yield_now().await;
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, mut last: Sink) -> Disconnect<Vec<Once>> {
        last(&mut self.buffer, b"!");
        tokio::task::yield_now().await;
        last(&mut self.buffer, b"?");
        Disconnect::Connect(std::mem::take(&mut self.pending))
    }

    #[call]
    async fn write(&mut self, bytes: Vec<u8>, then: Once) -> usize {
        (self.sink)(&mut self.buffer, &bytes);
        tokio::task::yield_now().await;
        (self.sink)(&mut self.buffer, &bytes);
        then(&mut self.buffer)
    }

    #[call]
    async fn take_sink(&mut self) -> Sink {
        tokio::task::yield_now().await;
        std::mem::replace(&mut self.sink, Box::new(|buffer, bytes| buffer.extend_from_slice(bytes)))
    }

    #[call]
    async fn sink_later(&mut self, reply: ReplyTo<Box<dyn FnMut(&mut Vec<u8>, &[u8]) + Send>>) {
        tokio::task::yield_now().await;
        let mut count = 0;
        let _ = reply.send(Box::new(move |buffer, bytes| {
            count += 1;
            buffer.push(count);
            buffer.extend_from_slice(bytes);
        }));
    }

    #[cast]
    async fn later(&mut self, once: Once) {
        self.pending.push(once);
    }

    #[info]
    async fn set_sink(&mut self, sink: Sink) {
        tokio::task::yield_now().await;
        self.sink = sink;
    }

    #[cast]
    async fn bounce(&mut self, last: Sink, ctx: &mut Context<Self>) {
        ctx.disconnect(last);
    }

    #[call]
    async fn buffer(&mut self) -> Vec<u8> {
        self.buffer.clone()
    }
}

#[tokio::main]
async fn main() {
    let sink: Sink = Box::new(|buffer, bytes| buffer.extend_from_slice(bytes));
    let client = Conn { buffer: Vec::new(), sink, pending: Vec::new() }.start().await.unwrap();
    assert_eq!(client.write(b"a".to_vec(), Box::new(|buffer| buffer.len())).await.unwrap(), 2);
    let mut mine = Vec::new();
    client.take_sink().await.unwrap()(&mut mine, b"x");
    let mut counted = client.sink_later().await.unwrap();
    counted(&mut mine, b"y");
    counted(&mut mine, b"z");
    assert_eq!(mine, b"x\x01y\x02z");
    client.info(Box::new(|buffer: &mut Vec<u8>, _: &[u8]| buffer.push(b'-')) as Sink).await.unwrap();
    client.write(b"ignored".to_vec(), Box::new(|_| 0)).await.unwrap();
    client.later(Box::new(|buffer| { buffer.push(b'+'); 0 })).await.unwrap();
    client.bounce(Box::new(|buffer, bytes| buffer.extend_from_slice(bytes))).await.unwrap();
    assert_eq!(client.buffer().await.unwrap(), b"aa--!?+");
    client.stop(Stop::Normal).await.unwrap();
}
