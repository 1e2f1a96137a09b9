#![allow(unused_imports)]
use connection::{connection, Attempt, Connect, Context, Disconnect, Init};

struct Conn;

#[connection]
impl Conn {
    #[init]
    async fn init(&mut self) -> Init<&'static str> {
        Init::Ok
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<&str>) -> Connect {
        let _ = attempt;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<&'static str> {
        Disconnect::NoConnect
    }
}

fn main() {}
