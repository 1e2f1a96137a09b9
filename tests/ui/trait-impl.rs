use connection::connection;

struct Conn;

#[connection]
impl Clone for Conn {
    fn clone(&self) -> Self {
        Conn
    }
}

fn main() {}
