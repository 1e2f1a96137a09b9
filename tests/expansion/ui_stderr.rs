//! What a misuse of `#[connection]` shows must be about the user's code:
//! every expected error in `tests/ui/*.stderr` is checked for names of the
//! runtime's internals, a generated type in a type mismatch, a runtime
//! file as an error's primary location, and more than two errors for one case.

use std::path::Path;

/// Words that mean an error walked into the runtime or the expansion.
const INTERNALS: &[&str] = &["__private", "Envelope", "Answer<", "oneshot", "__Phantom"];

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
        if errors > 2 {
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
