//! `cargo run --release --example allocations`: every heap allocation that
//! starting one idle actor leaves live, by size, for the hand-written actor
//! and the generated connection, on a current-thread runtime.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use connection_benches::Subject;
use connection_benches::generated::CounterClient;
use connection_benches::handwritten::CounterHandle;

/// The system allocator, recording the live allocations while `RECORDING`.
struct Recording;

static RECORDING: AtomicBool = AtomicBool::new(false);
static LIVE: Mutex<Option<HashMap<usize, usize>>> = Mutex::new(None);

thread_local! {
    // Set while the recorder itself allocates, so that it does not record itself.
    static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn record(pointer: *mut u8, size: Option<usize>) {
    if !RECORDING.load(Ordering::Relaxed) || INSIDE.with(|inside| inside.replace(true)) {
        return;
    }
    if let Ok(mut live) = LIVE.lock() {
        let live = live.get_or_insert_with(HashMap::new);
        match size {
            Some(size) => {
                live.insert(pointer as usize, size);
            }
            None => {
                live.remove(&(pointer as usize));
            }
        }
    }
    INSIDE.with(|inside| inside.set(false));
}

// SAFETY: every call is forwarded to `System` unchanged; the bookkeeping
// never touches the memory handed out.
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let pointer = unsafe { System.alloc(layout) };
        record(pointer, Some(layout.size()));
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        record(pointer, None);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Recording = Recording;

/// Starts one `S`, lets it settle idle, and prints what it left allocated.
fn report<S: Subject>(name: &str, runtime: &tokio::runtime::Runtime) {
    // Warm the runtime up (timer wheel, task lists) so that only the actor is counted.
    let warm = runtime.block_on(S::start());
    runtime.block_on(tokio::task::yield_now());
    *LIVE.lock().unwrap() = Some(HashMap::new());
    RECORDING.store(true, Ordering::SeqCst);
    let subject = runtime.block_on(async {
        let subject = S::start().await;
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        subject
    });
    RECORDING.store(false, Ordering::SeqCst);
    let mut sizes: Vec<usize> = LIVE.lock().unwrap().take().unwrap().into_values().collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    println!(
        "{name}: {} bytes in {} allocations: {sizes:?}",
        sizes.iter().sum::<usize>(),
        sizes.len()
    );
    drop((warm, subject));
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    report::<CounterHandle>("handwritten", &runtime);
    report::<CounterClient>("generated", &runtime);
}
