//! One handler of every kind.

use std::future::Future;
use std::time::Duration;

use connection::{connection, Attempt, Connect, Context, Disconnect, Init, ReplyTo, Stop};

pub struct Device {
    pending: Vec<ReplyTo<u32>>,
    reading: u32,
}

#[connection]
impl Device {
    #[init]
    async fn init(&mut self) -> Init<&'static str> {
        Init::Backoff(Duration::from_millis(10))
    }

    #[connect]
    async fn connect(&mut self, attempt: Attempt<&'static str>, ctx: &mut Context<Self>) -> Connect {
        let _ = attempt;
        ctx.idle_timeout(Duration::from_secs(30));
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, why: &'static str) -> Disconnect<&'static str> {
        let _ = why;
        Disconnect::Backoff(Duration::from_secs(1))
    }

    /// The last reading.
    #[call]
    async fn read(&mut self) -> u32 {
        self.reading
    }

    /// The next reading, when it comes.
    #[call]
    async fn next(&mut self, reply: ReplyTo<u32>) {
        self.pending.push(reply);
    }

    /// The reading after `ms` milliseconds, answered from a task.
    #[call(spawn)]
    async fn later(&mut self, ms: u64) -> impl Future<Output = u32> {
        let reading = self.reading;
        async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            reading
        }
    }

    /// Resets the device.
    #[cast]
    async fn reset(&mut self, ctx: &mut Context<Self>) {
        ctx.disconnect("reset");
    }

    #[info]
    async fn on_reading(&mut self, reading: u32) {
        self.reading = reading;
        for reply in self.pending.drain(..) {
            let _ = reply.send(reading);
        }
    }

    #[timeout]
    async fn on_idle(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(Stop::shutdown("idle"));
    }

    #[flush]
    async fn flush(&mut self) {}

    #[terminate]
    async fn terminate(&mut self, reason: &Stop) {
        let _ = reason;
    }
}
