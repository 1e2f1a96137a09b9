//! Guards for the runtime's memory and allocation decisions (BENCHMARKS.md):
//! what one idle connection keeps allocated, and what a call, a cast and
//! a batch's flush allocate. A boxed rare path unboxed, an `async fn` where an `async move`
//! block was chosen, or one more field in the task's state makes these fail
//! with a message saying which decision it was.
//!
//! A binary of its own, with an allocator that counts per thread: each test
//! runs its connection on a current-thread runtime, so everything it
//! allocates is allocated on the test's thread. `.ci/run` runs it in both
//! profiles (`cargo test`, and `--release`, whose futures are what users
//! get): the figures below hold in both, the task's allocation being
//! rounded up to tokio's 128 bytes.

// A global allocator is an `unsafe impl`; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};

use connection::{Attempt, Connect, Context, Disconnect, connection};

/// The system allocator, counting on each thread while it records.
struct Counting;

thread_local! {
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// The live allocations made while recording: address and size.
    static LIVE: RefCell<Vec<(usize, usize)>> = const { RefCell::new(Vec::new()) };
}

fn on_alloc(pointer: *mut u8, size: usize) {
    // `try_with`: the allocator runs while thread-locals are torn down too.
    let _ = RECORDING.try_with(|recording| {
        if recording.replace(false) {
            ALLOCATIONS.with(|count| count.set(count.get() + 1));
            LIVE.with_borrow_mut(|live| live.push((pointer as usize, size)));
            recording.set(true);
        }
    });
}

fn on_dealloc(pointer: *mut u8) {
    let _ = RECORDING.try_with(|recording| {
        if recording.replace(false) {
            LIVE.with_borrow_mut(|live| live.retain(|(at, _)| *at != pointer as usize));
            recording.set(true);
        }
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the bookkeeping
// never touches the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let pointer = unsafe { System.alloc(layout) };
        on_alloc(pointer, layout.size());
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        on_dealloc(pointer);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What `f` allocated on this thread: how many allocations, and the sizes
/// of those still live when it returned, largest first.
async fn recording<F: Future>(f: F) -> (F::Output, usize, Vec<usize>) {
    ALLOCATIONS.set(0);
    LIVE.with_borrow_mut(Vec::clear);
    RECORDING.set(true);
    let output = f.await;
    RECORDING.set(false);
    let mut live: Vec<usize> = LIVE
        .with_borrow_mut(std::mem::take)
        .into_iter()
        .map(|(_, size)| size)
        .collect();
    live.sort_unstable_by(|a, b| b.cmp(a));
    (output, ALLOCATIONS.get(), live)
}

/// A representative connection: a call, a cast, an info and an idle
/// timeout handler, default options; its connect and disconnect hold as
/// much across an await as a socket's would, which the task must not keep.
struct Counter {
    total: u64,
}

/// What a real connect or disconnect keeps across its awaits (a socket
/// address, a connect future, a handshake buffer).
async fn link_work() {
    let scratch = [7_u8; 512];
    tokio::task::yield_now().await;
    std::hint::black_box(&scratch);
}

#[connection]
impl Counter {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        link_work().await;
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        link_work().await;
        Disconnect::NoConnect
    }

    #[call]
    async fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    #[cast]
    async fn add_later(&mut self, n: u64, ctx: &mut Context<Self>) {
        self.total += n;
        let _ = ctx;
    }

    #[info]
    async fn on_info(&mut self, n: u64) {
        self.total += n;
    }

    #[timeout]
    async fn idle(&mut self) {}
}

async fn settle() {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
}

/// What one idle connection keeps allocated in this profile, largest first:
/// the mailbox's first block (32 envelopes), the task (the connection's
/// whole state machine), the mailbox's channel, the status. The task stays
/// in its 512-byte allocation because what runs rarely (connect,
/// disconnect, the timeout handler, restarts, the stop) is boxed (`flush`,
/// run once per batch, shares the handlers' place), `async move` blocks
/// stand where an `async fn` would keep its arguments twice, and the
/// shutdown timeout lives in the status. The status holds the two load
/// counts a pool balances on (8 bytes), and no task id: the self-call check
/// reads a thread-local.
const IDLE: [usize; 4] = [1056, 512, 512, 88];

#[tokio::test(flavor = "current_thread")]
async fn an_idle_connection_keeps_four_small_allocations() {
    // The runtime's own first-use allocations are not the connection's.
    let warm = Counter { total: 0 }.start().await.unwrap();
    warm.add(1).await.unwrap();
    settle().await;

    let (client, _, live) = recording(async {
        let client = Counter { total: 0 }.start().await.unwrap();
        settle().await;
        client
    })
    .await;
    assert_eq!(
        live, IDLE,
        "an idle connection keeps {live:?} (bytes, largest first), not {IDLE:?}: the mailbox's first block, the task, the channel and the status. A larger task means a rarely run future that was boxed is now inline in the task's state, or its state gained a field; one more allocation, that something an idle connection needs no more is kept"
    );
    drop(client);
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_allocates_its_reply_channel_and_nothing_else() {
    let client = Counter { total: 0 }.start().await.unwrap();
    client.add(1).await.unwrap();
    settle().await;
    let (_, allocations, _) = recording(async {
        for _ in 0..1000 {
            client.add(1).await.unwrap();
        }
    })
    .await;
    // The mailbox's blocks are reused; allow a few for its first laps.
    assert!(
        (1000..=1010).contains(&allocations),
        "1,000 calls made {allocations} allocations: a call should allocate its reply channel only (the timer is made only for a call still waiting after a scheduler round, the message is moved, not boxed)"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_cast_and_an_info_allocate_nothing() {
    let client = Counter { total: 0 }.start().await.unwrap();
    client.add(1).await.unwrap();
    settle().await;
    let (_, allocations, _) = recording(async {
        for _ in 0..1000 {
            client.add_later(1).await.unwrap();
            settle().await;
            client.info(1).await.unwrap();
            settle().await;
        }
    })
    .await;
    // The mailbox's blocks of 32 slots are recycled; the list may make one
    // or two more as it turns.
    assert!(
        allocations <= 2,
        "1,000 casts and infos, each handled before the next, made {allocations} allocations: they should make none (a batch of several queued envelopes allocates its buffer, freed when the mailbox runs dry; one at a time takes none)"
    );
}

/// Buffers what casts bring and writes it out in `flush`, as a protocol
/// client does.
struct Buffered {
    buffered: u64,
    written: u64,
}

#[connection]
impl Buffered {
    #[connect]
    async fn connect(&mut self, _attempt: Attempt<()>) -> Connect {
        Connect::Ok
    }

    #[disconnect]
    async fn disconnect(&mut self, _why: ()) -> Disconnect<()> {
        Disconnect::NoConnect
    }

    #[cast]
    async fn push(&mut self, n: u64) {
        self.buffered += n;
    }

    #[call]
    async fn written(&mut self) -> u64 {
        self.written
    }

    #[flush]
    async fn flush(&mut self) {
        self.written += std::mem::take(&mut self.buffered);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_flush_after_each_batch_allocates_nothing() {
    let client = Buffered {
        buffered: 0,
        written: 0,
    }
    .start()
    .await
    .unwrap();
    client.push(1).await.unwrap();
    settle().await;
    let (_, allocations, _) = recording(async {
        for _ in 0..1000 {
            client.push(1).await.unwrap();
            // Handled, then flushed once the mailbox is dry.
            settle().await;
        }
    })
    .await;
    assert_eq!(client.written().await.unwrap(), 1001, "every push flushed");
    assert!(
        allocations <= 2,
        "1,000 casts, each flushed on its own, made {allocations} allocations: a flush should make none (its future takes the handlers' place in the task, not a box of its own)"
    );
}
