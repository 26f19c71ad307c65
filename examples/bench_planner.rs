//! Benchmark of the planner pages over real HTTP: signs in as a planner (or admin), requests
//! each route R times on one keep-alive connection and reports, per route, the first
//! request's time and the median, p90 and fastest of the others, with status and size.
//!
//! ```text
//! # against a running site (e.g. `tsunagari demo` printed the demo-admin password):
//! cargo run --release --example bench_planner -- --base-url http://127.0.0.1:8080 \
//!     --user demo-admin --password XXXX /planner/demo-2026/estimates /planner/demo-2026
//! # or let it run the site itself, in-process on a free loopback port, against a database
//! # (it creates or resets the planner account `bench-planner` through the library):
//! DATABASE_URL=data/demo-20000.sqlite3 cargo run --release --example bench_planner -- \
//!     /planner/demo-2026/estimates /planner/demo-2026
//! ```
//!
//! Options: `--repeat R` (requests per route, first included; default 15), `--database URL`
//! (in-process mode; default DATABASE_URL), `--workers N` (in-process; default as
//! `tsunagari serve`: one per core), `--gzip` (ask for gzip as browsers do; the size is then
//! what went over the wire), `--timeout S` (per request, default 30 s) and `--budget S`
//! (per route: stop repeating after S seconds, default 120 s; the report says how many ran),
//! `--change SLUG` (before each route's first request, store a correction of one submitted
//! response of survey SLUG, its answers unchanged, through the library as a staff correction
//! does: the first request is then the one after a change; needs `--database` or
//! DATABASE_URL also with `--base-url`).
//!
//! The client is a minimal HTTP/1.1 client over `std::net::TcpStream` (as in
//! `bench_paper_entry.rs`): the crate has no HTTP client dependency (actix-http is only the
//! server side; awc would add a dependency and an async runtime to the timing loop), and a
//! blocking socket measures exactly "request written → last byte of the body read", with
//! nothing else in between. The time of a request includes reading the whole body.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use tsunagari::config::{Config, DatabaseUrl};

/// Sign-in name the in-process mode creates (or resets) for itself.
const BENCH_USER: &str = "bench-planner";

struct Options {
    base_url: Option<String>,
    user: Option<String>,
    password: Option<String>,
    database: Option<String>,
    repeat: usize,
    workers: Option<usize>,
    gzip: bool,
    timeout: Duration,
    budget: Duration,
    change: Option<String>,
    routes: Vec<String>,
}

fn usage(message: &str) -> ! {
    eprintln!("error: {message}");
    eprintln!(
        "usage: bench_planner [--base-url URL --user NAME --password PW | --database URL] \
         [--repeat R] [--workers N] [--gzip] [--timeout S] [--budget S] [--change SLUG] ROUTE..."
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut o = Options {
        base_url: None,
        user: None,
        password: None,
        database: None,
        repeat: 15,
        workers: None,
        gzip: false,
        timeout: Duration::from_secs(30),
        budget: Duration::from_secs(120),
        change: None,
        routes: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        let number = |name: &str, v: String| -> u64 {
            v.parse()
                .unwrap_or_else(|_| usage(&format!("{name} takes a whole number, not `{v}`")))
        };
        match arg.as_str() {
            "--base-url" => o.base_url = Some(value("--base-url")),
            "--user" => o.user = Some(value("--user")),
            "--password" => o.password = Some(value("--password")),
            "--database" => o.database = Some(value("--database")),
            "--repeat" => o.repeat = number("--repeat", value("--repeat")) as usize,
            "--workers" => o.workers = Some(number("--workers", value("--workers")) as usize),
            "--gzip" => o.gzip = true,
            "--timeout" => o.timeout = Duration::from_secs(number("--timeout", value("--timeout"))),
            "--budget" => o.budget = Duration::from_secs(number("--budget", value("--budget"))),
            "--change" => o.change = Some(value("--change")),
            "-h" | "--help" => usage("see the options below"),
            route if route.starts_with('/') => o.routes.push(route.to_string()),
            other => usage(&format!("unknown argument `{other}` (routes start with /)")),
        }
    }
    if o.routes.is_empty() {
        usage("give at least one route, e.g. /planner/demo-2026/estimates");
    }
    if !(1..=1000).contains(&o.repeat) {
        usage("--repeat must be between 1 and 1000");
    }
    if o.base_url.is_some() && (o.user.is_none() || o.password.is_none()) {
        usage("--base-url needs --user and --password (a planner or admin account)");
    }
    o
}

/// A response as read: status, the headers we need, the body and how long it took.
struct Reply {
    status: u16,
    set_cookies: Vec<String>,
    body: Vec<u8>,
    keep_alive: bool,
    took: Duration,
}

/// One keep-alive connection; reconnects when the server closes it.
struct Http {
    addr: SocketAddr,
    host: String,
    timeout: Duration,
    reader: Option<BufReader<TcpStream>>,
    cookies: Vec<(String, String)>,
    gzip: bool,
}

impl Http {
    fn new(addr: SocketAddr, host: String, timeout: Duration, gzip: bool) -> Http {
        Http {
            addr,
            host,
            timeout,
            reader: None,
            cookies: Vec::new(),
            gzip,
        }
    }

    fn connection(&mut self) -> std::io::Result<&mut BufReader<TcpStream>> {
        if self.reader.is_none() {
            let stream = TcpStream::connect_timeout(&self.addr, self.timeout)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(self.timeout))?;
            stream.set_write_timeout(Some(self.timeout))?;
            self.reader = Some(BufReader::new(stream));
        }
        Ok(self.reader.as_mut().expect("connected"))
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn request(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<Reply> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if !self.cookies.is_empty() {
            head.push_str(&format!("Cookie: {}\r\n", self.cookie_header()));
        }
        if self.gzip {
            head.push_str("Accept-Encoding: gzip\r\n");
        }
        if method == "POST" {
            head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let started = Instant::now();
        let reply = self.exchange(&head, body);
        let reply = match reply {
            Ok(reply) => reply,
            // A keep-alive connection the server has closed meanwhile: once more, fresh.
            Err(_) if self.reader.is_some() => {
                self.reader = None;
                self.exchange(&head, body)?
            }
            Err(e) => return Err(e),
        };
        let reply = Reply {
            took: started.elapsed(),
            ..reply
        };
        if !reply.keep_alive {
            self.reader = None;
        }
        for raw in &reply.set_cookies {
            let pair = raw.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let (name, value) = (name.trim().to_string(), value.trim().to_string());
                self.cookies.retain(|(k, _)| *k != name);
                if !value.is_empty() {
                    self.cookies.push((name, value));
                }
            }
        }
        Ok(reply)
    }

    fn exchange(&mut self, head: &str, body: &str) -> std::io::Result<Reply> {
        let reader = self.connection()?;
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        let mut status_line = String::new();
        if reader.read_line(&mut status_line)? == 0 {
            return Err(bad("connection closed before the status line"));
        }
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status code"))?;
        let (mut length, mut chunked, mut keep_alive) = (0usize, false, true);
        let mut set_cookies = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => length = value.parse().map_err(|_| bad("content-length"))?,
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
                "set-cookie" => set_cookies.push(value.to_string()),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size)?;
                let size = size.trim().split(';').next().unwrap_or_default();
                let n = usize::from_str_radix(size, 16).map_err(|_| bad("chunk size"))?;
                let mut chunk = vec![0; n + 2];
                reader.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        }
        Ok(Reply {
            status,
            set_cookies,
            body,
            keep_alive,
            took: Duration::ZERO,
        })
    }
}

fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// Signs in through the login form (double-submit CSRF cookie, then the POST).
fn sign_in(http: &mut Http, user: &str, password: &str) -> Result<(), String> {
    let form = http
        .request("GET", "/login", "")
        .map_err(|e| format!("GET /login: {e}"))?;
    let page = String::from_utf8_lossy(&form.body);
    let csrf = hidden(&page, "csrf").ok_or("no CSRF field on /login")?;
    let body = serde_urlencoded::to_string([
        ("username", user),
        ("password", password),
        ("csrf", csrf.as_str()),
        ("next", "/planner"),
    ])
    .map_err(|e| e.to_string())?;
    let reply = http
        .request("POST", "/login", &body)
        .map_err(|e| format!("POST /login: {e}"))?;
    match reply.status {
        303 if http.cookies.iter().any(|(k, _)| k == "tsunagari_staff") => Ok(()),
        401 => Err(format!("sign-in as {user} refused: wrong name or password")),
        other => Err(format!("sign-in as {user} answered {other}")),
    }
}

/// Starts the site in-process on a free loopback port; returns its address.
fn start_site(database: &DatabaseUrl, workers: Option<usize>) -> (SocketAddr, String) {
    let pool = tsunagari::db::connect(database).expect("database");
    tsunagari::db::migrate(&pool).expect("migrations");
    let password = tsunagari::auth::random_token()[..24].to_string();
    let hash = tsunagari::auth::hash_password(&password).expect("hash");
    let mut conn = pool.get().expect("connection");
    match tsunagari::db::users::find_by_username(&mut conn, BENCH_USER).expect("users") {
        Some(user) => {
            assert!(
                matches!(
                    user.role,
                    tsunagari::auth::Role::Planner | tsunagari::auth::Role::Admin
                ),
                "{BENCH_USER} exists but is not a planner"
            );
            tsunagari::db::users::set_password(&mut conn, user.id, &hash).expect("password")
        }
        None => {
            tsunagari::db::users::create(
                &mut conn,
                BENCH_USER,
                "ベンチマーク",
                &hash,
                tsunagari::auth::Role::Planner,
            )
            .expect("planner account");
        }
    }
    drop(conn);
    let mut config = Config::from_env().unwrap_or_else(|e| usage(&e));
    config.database = database.clone();
    config.bind = "127.0.0.1:0".into();
    config.cookie_secure = false;
    if std::env::var_os("TSUNAGARI_QUESTIONNAIRES").is_none() {
        config.questionnaires_dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires");
    }
    let state = tsunagari::web::AppState::new(pool, config).unwrap_or_else(|e| usage(&e));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let mut server =
                actix_web::HttpServer::new(move || tsunagari::web::build_app(state.clone()));
            if let Some(n) = workers {
                server = server.workers(n);
            }
            let server = server.bind("127.0.0.1:0").expect("bind a loopback port");
            tx.send(server.addrs()[0]).expect("address");
            server.run().await.expect("server");
        })
    });
    (rx.recv().expect("server address"), password)
}

/// Stores a correction of the survey's first counted response with its answers unchanged:
/// its answer version and the survey's data version move on, as with any correction.
fn change_one_response(database: &DatabaseUrl, slug: &str) -> Result<(), String> {
    let pool = tsunagari::db::connect(database).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let survey = tsunagari::db::surveys::find_by_slug(&mut conn, slug)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no survey `{slug}`"))?;
    let (id, version, json) = tsunagari::db::responses::submitted_answers(&mut conn, survey.id)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or_else(|| format!("survey `{slug}` has no submitted response to change"))?;
    let staff = tsunagari::db::users::list(&mut conn)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or("the database has no staff account to record the correction")?;
    tsunagari::db::entry::correct(&mut conn, id, version, &json, false, staff.id, &[])
        .map_err(|e| e.to_string())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let o = options();
    let (addr, host, user, password) = match &o.base_url {
        Some(base) => {
            let rest = base
                .strip_prefix("http://")
                .unwrap_or_else(|| usage("--base-url must be plain http:// (loopback)"));
            let host = rest.trim_end_matches('/').to_string();
            let addr = host
                .to_socket_addrs()
                .ok()
                .and_then(|mut a| a.next())
                .unwrap_or_else(|| usage(&format!("cannot resolve {host}")));
            let (user, password) = (o.user.clone().unwrap(), o.password.clone().unwrap());
            (addr, host, user, password)
        }
        None => {
            let raw = o
                .database
                .clone()
                .or_else(|| std::env::var("DATABASE_URL").ok())
                .unwrap_or_else(|| usage("give --database, DATABASE_URL or --base-url"));
            let database = DatabaseUrl::parse(&raw).unwrap_or_else(|e| usage(&e));
            println!("site: in-process on {}", database.describe());
            let (addr, password) = start_site(&database, o.workers);
            (addr, addr.to_string(), BENCH_USER.to_string(), password)
        }
    };
    let change_in = o.change.as_ref().map(|slug| {
        let raw = o
            .database
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .unwrap_or_else(|| usage("--change needs --database or DATABASE_URL"));
        let database = DatabaseUrl::parse(&raw).unwrap_or_else(|e| usage(&e));
        (database, slug.clone())
    });
    let mut http = Http::new(addr, host.clone(), o.timeout, o.gzip);
    if let Err(e) = sign_in(&mut http, &user, &password) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    println!(
        "signed in as {user} at http://{host}; {} requests per route (the first, then the others), {}",
        o.repeat,
        if o.gzip { "gzip" } else { "uncompressed" }
    );
    println!(
        "{:<40} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>4}",
        "route", "status", "bytes", "first ms", "median ms", "p90 ms", "fastest ms", "n"
    );
    let mut failed = false;
    for route in &o.routes {
        let started = Instant::now();
        let mut times = Vec::new();
        let mut first = None;
        let mut last = (0u16, 0usize);
        if let Some((database, slug)) = &change_in {
            if let Err(e) = change_one_response(database, slug) {
                eprintln!("error: --change: {e}");
                std::process::exit(1);
            }
        }
        for i in 0..o.repeat {
            if i > 0 && started.elapsed() > o.budget {
                break;
            }
            match http.request("GET", route, "") {
                Ok(reply) => {
                    if i == 0 {
                        first = Some(reply.took);
                    } else {
                        times.push(reply.took);
                    }
                    if reply.status != last.0 && i > 0 {
                        eprintln!(
                            "{route}: status changed from {} to {}",
                            last.0, reply.status
                        );
                    }
                    last = (reply.status, reply.body.len());
                }
                Err(e) => {
                    eprintln!("{route}: request {} failed: {e}", i + 1);
                    failed = true;
                    break;
                }
            }
        }
        times.sort();
        let at = |q: f64| -> String {
            if times.is_empty() {
                return "-".into();
            }
            // Nearest rank: the smallest time at or above the q-quantile.
            let rank = ((q * times.len() as f64).ceil() as usize).clamp(1, times.len());
            format!("{:.1}", ms(times[rank - 1]))
        };
        let median = if times.is_empty() {
            "-".to_string()
        } else if times.len() % 2 == 1 {
            format!("{:.1}", ms(times[times.len() / 2]))
        } else {
            let n = times.len();
            format!("{:.1}", (ms(times[n / 2 - 1]) + ms(times[n / 2])) / 2.0)
        };
        println!(
            "{:<40} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>4}",
            route,
            last.0,
            last.1,
            first.map_or("-".into(), |d| format!("{:.1}", ms(d))),
            median,
            at(0.9),
            times
                .first()
                .map_or("-".into(), |d| format!("{:.1}", ms(*d))),
            times.len() + usize::from(first.is_some()),
        );
        if last.0 != 200 {
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
