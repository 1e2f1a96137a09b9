use connection::{connection, Attempt, Connect, Disconnect};

struct Conn;

#[connection(info_vis = private)]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[info]
    async fn on_info(&mut self, _n: u32) {}
}

fn main() {}
