//! What a misuse of `#[connection]` shows must be about the user's code:
//! every expected error in `tests/ui/*.stderr` is checked for names of the
//! runtime's internals, a generated type in a type mismatch, a runtime
//! file as an error's primary location, and more than two errors for one
//! case (three for the one case in `THREE_ERRORS`, which says why).

use std::path::Path;

/// Words that mean an error walked into the runtime or the expansion.
const INTERNALS: &[&str] = &["__private", "Envelope", "Answer<", "oneshot", "__Phantom"];

/// Cases allowed a third error, and why. A `#[call(spawn)]` future named
/// without its output (`BoxFuture<'static, R>`, `JoinHandle<R>`) is taken
/// as a future so that every one is accepted; when the type is no future,
/// rustc reports each place the expansion names its output (the variant,
/// the client method's signature and its body), all on the user's return
/// type and name, all "`Ticket` is not a future".
const THREE_ERRORS: &[&str] = &["call-spawn-returning-a-type-that-is-no-future.stderr"];

#[test]
fn no_expected_error_shows_the_runtime_s_internals() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut failures = Vec::new();
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_none_or(|extension| extension != "stderr")
        {
            continue;
        }
        cases += 1;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for word in INTERNALS {
            if text.contains(word) {
                failures.push(format!("{name}: names `{word}`"));
            }
        }
        let errors = text
            .lines()
            .filter(|line| line.starts_with("error"))
            .count();
        let allowed = if THREE_ERRORS.contains(&name.as_str()) {
            3
        } else {
            2
        };
        if errors > allowed {
            failures.push(format!("{name}: {errors} errors"));
        }
        // The primary location is the first `-->` line after each `error`
        // line (a note may point into the runtime: "required by a bound in
        // `handler_future`", as tokio's errors point at `spawn`).
        let mut in_error = false;
        for line in text.lines() {
            if line.starts_with("error") {
                in_error = true;
            } else if in_error && line.trim_start().starts_with("-->") {
                in_error = false;
                if line.contains("connection-runtime") || line.contains("$CARGO") {
                    failures.push(format!("{name}: an error located in the runtime: {line}"));
                }
            }
        }
        for mismatch in text.lines().filter(|line| {
            line.contains("expected") && (line.contains("Client") || line.contains("Message"))
        }) {
            failures.push(format!(
                "{name}: a generated type in a mismatch: {mismatch}"
            ));
        }
    }
    assert!(cases >= 50, "only {cases} expected-error files read");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
