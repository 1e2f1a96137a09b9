//! The server's end of one line-protocol link over `tokio::io::duplex`, for
//! the pipeline tests (`tests/runtime/pipeline.rs`, `tests/dead_links.rs`):
//! read the client's lines, say lines back, or echo every line.

use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};

pub(crate) struct LinePeer {
    pub(crate) lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
    writer: WriteHalf<DuplexStream>,
}

impl LinePeer {
    /// The server's end `server_end` of a duplex link.
    pub(crate) fn new(server_end: DuplexStream) -> Self {
        let (reader, writer) = tokio::io::split(server_end);
        LinePeer {
            lines: BufReader::new(reader).lines(),
            writer,
        }
    }

    /// The next line the client wrote.
    pub(crate) async fn line(&mut self) -> String {
        self.lines
            .next_line()
            .await
            .unwrap()
            .expect("the client closed")
    }

    pub(crate) async fn say(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }

    /// Answers every line with `echo:<line>`, until the client closes.
    pub(crate) fn echo(mut self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while let Ok(Some(line)) = self.lines.next_line().await {
                let answer = format!("echo:{line}\n");
                if self.writer.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        })
    }
}
