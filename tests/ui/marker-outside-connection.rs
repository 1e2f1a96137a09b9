use connection::markers::call;

struct Plain;

impl Plain {
    #[call]
    async fn ping(&mut self) {}
}

fn main() {
    let _ = Plain;
}
