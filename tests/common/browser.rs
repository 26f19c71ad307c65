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
        let chromium =
            std::env::var("TSUNAGARI_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--lang=ja",
                    format!("--window-size={WIDTH},{HEIGHT}"),
                ],
                "mobileEmulation": {
                    "deviceMetrics": { "width": WIDTH, "height": HEIGHT, "pixelRatio": 3.0, "touch": false }
                },
            }),
        );
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
