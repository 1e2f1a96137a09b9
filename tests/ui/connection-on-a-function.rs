use connection::connection;

#[connection]
fn connect() {}

fn main() {}
