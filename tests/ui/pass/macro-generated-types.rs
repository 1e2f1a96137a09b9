//! Types written by `macro_rules!` in handler signatures, a handler's
//! body built by a macro, and types from a macro-generated module.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Context, Disconnect, ReplyTo, Stop};

macro_rules! callback {
    ($arg:ty => $out:ty) => {
        Box<dyn Fn($arg) -> $out + Send>
    };
}

macro_rules! shared {
    ($ty:ty) => {
        std::sync::Arc<std::sync::Mutex<$ty>>
    };
}

macro_rules! define_frame {
    ($name:ident) => {
        pub mod frames {
            #[derive(Debug, Default, Clone, PartialEq)]
            pub struct $name(pub u32);
        }
    };
}

define_frame!(Frame);

macro_rules! push_and_count {
    ($self:ident, $value:expr) => {{
        $self.values.lock().unwrap().push($value);
        $self.values.lock().unwrap().len()
    }};
}

struct Conn {
    values: shared!(Vec<u32>),
}

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, attempt: Attempt<frames::Frame>) -> Connect {
        tokio::task::yield_now().await;
        if let Attempt::Requested(frame) = attempt {
            push_and_count!(self, frame.0);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: callback!(&str => u32)) -> Disconnect<frames::Frame> {
        tokio::task::yield_now().await;
        Disconnect::Connect(frames::Frame(why("reconnect")))
    }

    #[call]
    async fn apply(&mut self, f: callback!(&u32 => u32)) -> usize {
        tokio::task::yield_now().await;
        let value = f(&7);
        push_and_count!(self, value)
    }

    #[call]
    async fn shared(&mut self) -> shared!(Vec<u32>) {
        self.values.clone()
    }

    #[call]
    async fn doubler(&mut self, reply: ReplyTo<callback!(u32 => u32)>) {
        let _ = reply.send(Box::new(|n| n * 2));
    }

    #[cast]
    async fn push(&mut self, frame: frames::Frame) {
        push_and_count!(self, frame.0);
    }

    #[info]
    async fn pushed(&mut self, f: callback!(() => u32)) {
        push_and_count!(self, f(()));
    }

    #[cast]
    async fn bounce(&mut self, why: callback!(&str => u32), ctx: &mut Context<Self>) {
        ctx.disconnect(why);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { values: Default::default() }.start().await.unwrap();
    assert_eq!(client.apply(Box::new(|n| n + 1)).await.unwrap(), 2);
    assert_eq!(client.doubler().await.unwrap()(4), 8);
    client.push(frames::Frame(3)).await.unwrap();
    client.info(Box::new(|()| 5_u32) as callback!(() => u32)).await.unwrap();
    client.bounce(Box::new(|text| text.len() as u32)).await.unwrap();
    let shared = client.shared().await.unwrap();
    assert_eq!(*shared.lock().unwrap(), [0, 8, 3, 5, 9]);
    client.stop(Stop::Normal).await.unwrap();
}
