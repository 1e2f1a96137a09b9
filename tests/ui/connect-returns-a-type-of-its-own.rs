use connection::{connection, Attempt, Disconnect};

/// Not `Connect`: a name the macro does not know may be an alias of it, so
/// rustc says what it is.
pub struct Outcome;

struct Conn;

#[connection]
impl Conn {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Outcome {
        Outcome
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }
}

fn main() {}
