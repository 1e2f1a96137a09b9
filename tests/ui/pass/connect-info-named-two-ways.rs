//! The connect info named through an alias in one handler and directly in
//! another is one type: the check that `#[init]` and `#[disconnect]` name
//! the `#[connect]` handler's type goes by type, not by spelling.
#![deny(warnings)]
use connection::{connection, Attempt, Connect, Disconnect, Init};

type Target = String;

struct Conn {
    tried: Vec<String>,
}

#[connection]
impl Conn {
    #[init]
    async fn init(&mut self) -> Init<Target> {
        Init::Connect("first".to_owned())
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<std::string::String>) -> Connect {
        if let Attempt::Requested(target) = attempt {
            self.tried.push(target);
        }
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<Target> {
        Disconnect::Connect("again".to_owned())
    }

    #[call]
    async fn tried(&mut self) -> Vec<String> {
        self.tried.clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Conn { tried: Vec::new() }.start().await.unwrap();
    assert_eq!(client.tried().await.unwrap(), ["first"]);
}
