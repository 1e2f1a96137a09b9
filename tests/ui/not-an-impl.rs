use connection::connection;

#[connection]
struct Conn;

fn main() {}
