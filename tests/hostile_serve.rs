//! `sitrep serve` against hostile clients, with the real binary: requests
//! naming another host (a DNS-rebinding page in the author's browser must
//! not read the site or its build errors) and floods of idle or half-sent
//! connections (they must neither pin a thread each nor stop the server
//! answering).

#[path = "common/serve.rs"]
mod server;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use server::{Reply, Server};

use tempfile::TempDir;

/// A `sitrep init` project in a temporary folder.
fn init_site() -> TempDir {
    let temp = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("sitrep")
        .unwrap()
        .arg("init")
        .arg(temp.path().join("site"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    temp
}

/// Starts `sitrep serve` on the project `init_site` made.
fn serve(temp: &Path) -> Server {
    Server::start(&temp.join("site"), temp, &[])
}

/// The number of threads of the server process (Linux).
fn threads(server: &Server) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .expect("a Threads: line")
        .trim()
        .parse()
        .unwrap()
}

/// A refusal: 403 or 421, a short plain-text reason, nothing of the site.
fn assert_refused(reply: &Reply, what: &str) {
    assert!(
        reply.status == 403 || reply.status == 421,
        "{what}: status {} ({})",
        reply.status,
        reply.head
    );
    assert!(
        reply.head.to_ascii_lowercase().contains("text/plain"),
        "{what}: {}",
        reply.head
    );
    assert!(
        !reply.body.contains('<') && !reply.body.contains("generation"),
        "{what}: the refusal shows site content: {}",
        reply.body
    );
    assert!(reply.body.contains("localhost"), "{what}: {}", reply.body);
}

#[test]
fn serve_answers_only_requests_for_loopback_hosts() {
    let temp = init_site();
    let server = serve(temp.path());
    let port = server.port;

    for host in [
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{port}"),
        "localhost".to_string(),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        "[::1]".to_string(),
        format!("[::1]:{port}"),
        // Another port: an SSH tunnel or a container maps the port.
        "localhost:8080".to_string(),
    ] {
        let reply = server.get_for_host("/", &host);
        assert_eq!(reply.status, 200, "Host: {host}: {}", reply.head);
        let status = server.get_for_host("/__sitrep/status", &host);
        assert_eq!(status.status, 200, "Host: {host}");
        assert!(status.body.contains("generation"), "{}", status.body);
    }

    // What a page on a rebound name, or a tampering client, sends.
    for host in [
        "attacker.example".to_string(),
        format!("attacker.example:{port}"),
        format!("localhost.attacker.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("127.0.0.1:{port}.attacker.example"),
        format!("[::1].attacker.example:{port}"),
        format!("attacker.example@127.0.0.1:{port}"),
        "127.0.0.2".to_string(),
        "localhost:notaport".to_string(),
        String::new(),
    ] {
        for path in ["/", "/__sitrep/status", "/__sitrep/live.js"] {
            let reply = server.get_for_host(path, &host);
            assert_refused(&reply, &format!("GET {path} with Host: {host}"));
        }
    }

    // No Host at all, two Host headers, or a full URL naming another host.
    let forged = [
        "GET / HTTP/1.0\r\n\r\n".to_string(),
        format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: attacker.example\r\n\r\n"),
        format!("GET http://attacker.example/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    ];
    for raw in forged {
        let reply = server
            .request(&raw)
            .unwrap_or_else(|| panic!("no reply to {raw:?}"));
        assert!(
            (400..500).contains(&reply.status),
            "{raw:?}: status {} ({})",
            reply.status,
            reply.head
        );
        assert!(!reply.body.contains("generation") && !reply.body.contains("<html"));
    }
}

#[test]
fn idle_connections_neither_pin_threads_nor_block_the_server() {
    let temp = init_site();
    let server = serve(temp.path());
    let port = server.port;
    let before = threads(&server);

    // Connections that never send anything, and connections that stop
    // half-way through their request head (slowloris).
    let mut idle: Vec<TcpStream> = (0..500).map(|_| server.connect()).collect();
    for _ in 0..60 {
        let mut stream = server.connect();
        stream
            .write_all(format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ").as_bytes())
            .unwrap();
        idle.push(stream);
    }
    // Let the server accept them all.
    std::thread::sleep(Duration::from_millis(1500));

    // It still answers, at once.
    let started = Instant::now();
    let reply = server.get_for_host("/", &format!("127.0.0.1:{port}"));
    assert_eq!(reply.status, 200, "{}", reply.head);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answering took {:?} behind idle connections",
        started.elapsed()
    );

    // The threads stay few: not one per connection.
    let during = threads(&server);
    assert!(
        during <= 48,
        "{during} threads with {} idle connections open ({before} before them)",
        idle.len()
    );

    eprintln!(
        "{during} threads with {} idle connections open ({before} before them)",
        idle.len()
    );

    // Idle connections are dropped after a few seconds, not kept forever.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut open = idle.len();
    while open > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        open = idle.iter().filter(|stream| is_open(stream)).count();
    }
    assert_eq!(open, 0, "{open} idle connections are still open after 15 s");
    eprintln!("all closed by the server after {:?}", started.elapsed());
    for stream in &idle {
        let _ = stream.shutdown(Shutdown::Both);
    }
    let reply = server.get_for_host("/", "localhost");
    assert_eq!(reply.status, 200);
}

/// Whether the server still holds `stream` open (a read would block).
fn is_open(mut stream: &TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(1)))
        .unwrap();
    let mut byte = [0; 512];
    loop {
        match stream.read(&mut byte) {
            // A reply (say, 408) before the close: read on to the end.
            Ok(n) if n > 0 => continue,
            Ok(_) => return false,
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return true
            }
            Err(_) => return false,
        }
    }
}
