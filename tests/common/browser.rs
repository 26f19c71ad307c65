//! Browser-test harness: the real server on a free port, and chromedriver driving Debian's
//! headless Chromium on a phone-sized screen. Used by the `#[ignore]`d browser tests that
//! `.ci/run` runs.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use tsunagari::web::AppState;

/// The phone screen, in CSS pixels (an iPhone 12–15).
pub const WIDTH: u32 = 390;
pub const HEIGHT: u32 = 844;

/// The real server on a free local port, on its own thread with its own actix system.
pub struct Site {
    pub base: String,
    handle: ServerHandle,
}

impl Site {
    /// Serves `state` until [`Site::stop`].
    pub fn start(state: Arc<AppState>) -> Site {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server =
                    actix_web::HttpServer::new(move || tsunagari::web::build_app(state.clone()))
                        .workers(1)
                        .disable_signals()
                        .bind(("127.0.0.1", 0))
                        .expect("bind a local port");
                let address = server.addrs()[0];
                let server = server.run();
                sender
                    .send((address, server.handle()))
                    .expect("report the address");
                server.await
            })
        });
        let (address, handle) = receiver.recv().expect("the server starts");
        Site {
            base: format!("http://{address}"),
            handle,
        }
    }

    /// The full URL of a path on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and waits for it.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// chromedriver on a free port, in a process group of its own so that the browsers it
/// starts go down with it.
pub struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    /// Starts chromedriver (TSUNAGARI_CHROMEDRIVER or `chromedriver` on the PATH).
    pub fn start() -> Chromedriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let binary =
            std::env::var("TSUNAGARI_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `{binary}`: {e}; install it with `apt-get install chromium chromium-driver`")
            });
        Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A browser session with a phone-sized screen; retries while chromedriver starts up.
    pub async fn connect(&self) -> Client {
        self.session(
            WIDTH,
            HEIGHT,
            Some(json!({ "width": WIDTH, "height": HEIGHT, "pixelRatio": 3.0, "touch": false })),
        )
        .await
    }

    /// A browser session with a desktop window of `width` × `height` CSS pixels (staff
    /// pages, printing).
    pub async fn connect_desktop(&self, width: u32, height: u32) -> Client {
        self.session(width, height, None).await
    }

    async fn session(&self, width: u32, height: u32, phone: Option<serde_json::Value>) -> Client {
        let chromium =
            std::env::var("TSUNAGARI_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut options = json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--lang=ja",
                format!("--window-size={width},{height}"),
            ],
        });
        if let Some(metrics) = phone {
            options["mobileEmulation"] = json!({ "deviceMetrics": metrics });
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let attempt = ClientBuilder::rustls()
                .expect("TLS roots")
                .capabilities(capabilities.clone())
                .connect(&self.url)
                .await;
            match attempt {
                Ok(client) => return client,
                Err(e) if Instant::now() > deadline => {
                    panic!("no browser session from chromedriver at {}: {e}", self.url)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// The address chromedriver listens on (for [`print_pdf`]).
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

/// Prints the current page of `client` (a session of the chromedriver at `driver_url`) to
/// PDF through WebDriver's print command on A4 paper without margins, and returns the PDF.
pub async fn print_pdf(driver_url: &str, client: &Client) -> Vec<u8> {
    {
        let session = client
            .session_id()
            .await
            .expect("session id")
            .expect("an open session");
        let address = driver_url.trim_start_matches("http://").to_string();
        let body = json!({
            "page": { "width": 21.0, "height": 29.7 },
            "margin": { "top": 0, "bottom": 0, "left": 0, "right": 0 },
            "background": true,
            "shrinkToFit": false,
        })
        .to_string();
        let response = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(&address).expect("reach chromedriver");
            write!(
                stream,
                "POST /session/{session}/print HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .expect("send the print command");
            // chromedriver may keep the connection open: read the headers, then exactly
            // Content-Length bytes.
            let mut response = Vec::new();
            let mut buffer = [0u8; 65536];
            loop {
                let read = stream.read(&mut buffer).expect("read the printed page");
                response.extend_from_slice(&buffer[..read]);
                if let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") {
                    let headers = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
                    let length: usize = headers
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .expect("a Content-Length header");
                    if response.len() >= end + 4 + length || read == 0 {
                        break;
                    }
                }
                if read == 0 {
                    break;
                }
            }
            response
        })
        .await
        .expect("print task");
        let text = String::from_utf8_lossy(&response);
        let json_start = text.find("\r\n\r\n").expect("an HTTP response") + 4;
        let reply: serde_json::Value = serde_json::from_str(text[json_start..].trim())
            .unwrap_or_else(|e| {
                panic!(
                    "print reply is not JSON ({e}): {}",
                    &text[..text.len().min(300)]
                )
            });
        let encoded = reply["value"]
            .as_str()
            .unwrap_or_else(|| panic!("print failed: {reply}"));
        base64_decode(encoded)
    }
}

/// The number of pages of a PDF (its `/Type /Page` objects, not `/Pages`).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(i, m)| !text[i + m.len()..].starts_with('s'))
        .count()
}

/// Decodes standard base64 (what WebDriver returns for PDFs and screenshots).
pub fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            other => panic!("not base64: {}", other as char),
        }
    };
    let symbols: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::with_capacity(symbols.len() * 3 / 4);
    for chunk in symbols.chunks(4) {
        let mut bits = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            bits |= value(c) << (18 - 6 * i);
        }
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any browser it left behind.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
