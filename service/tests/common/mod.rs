//! What the service's tests share: a scratch directory, the service on `127.0.0.1:0`, an HTTP
//! client, and the load that the load test and the replica test send.

#![allow(dead_code)] // each test file uses a part

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// A fresh directory under the temporary directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "statewright-service-test-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("orders.db")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An HTTP client with a timeout, so that no test waits forever.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

/// An answer: status, the headers the tests look at, and the body (JSON, or `Value::Null`
/// with the text in `text`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: StatusCode,
    pub replayed: bool,
    pub conflicts: u32,
    pub text: String,
    pub json: Value,
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let replayed = header("idempotent-replayed").as_deref() == Some("true");
    let conflicts = header("statewright-conflicts")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        replayed,
        conflicts,
        text,
        json,
    }
}

/// `POST /orders`; the new order's id.
pub async fn create(client: &reqwest::Client, base: &str) -> Result<String, reqwest::Error> {
    let response = client.post(format!("{base}/orders")).send().await?;
    let reply = reply(response).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    Ok(reply.json["order"].as_str().unwrap().to_owned())
}

/// `POST /orders/{id}/events` with a key (or none).
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    id: &str,
    key: Option<&str>,
    body: &str,
) -> Result<Reply, reqwest::Error> {
    let mut request = client
        .post(format!("{base}/orders/{id}/events"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    Ok(reply(request.send().await?).await)
}

/// `GET` a path.
pub async fn get(client: &reqwest::Client, base: &str, path: &str) -> Reply {
    reply(client.get(format!("{base}{path}")).send().await.unwrap()).await
}

/// SplitMix64: the same load on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// One event request of the load: the order (by index), its key and its body.
#[derive(Debug, Clone)]
pub struct Request {
    pub order: usize,
    pub key: String,
    pub body: &'static str,
}

/// The scripts orders follow; some start with an event that is not allowed yet.
const SCRIPTS: [&[&str]; 4] = [
    &["pay", "ship", "deliver"],
    &["pay", "cancel"],
    &["cancel"],
    &["ship", "pay", "ship", "deliver"],
];

fn body(event: &str) -> &'static str {
    match event {
        "pay" => r#"{"type":"pay"}"#,
        "ship" => r#"{"type":"ship"}"#,
        "deliver" => r#"{"type":"deliver"}"#,
        _ => r#"{"type":"cancel"}"#,
    }
}

/// The number of requests of the load tests: `STATEWRIGHT_LOAD_REQUESTS`, 20,000 by default.
pub fn load_requests() -> usize {
    std::env::var("STATEWRIGHT_LOAD_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// A load of `total` requests in all, `POST /orders` included: orders follow the scripts,
/// a quarter of the events are sent twice (same key, same body), and all of it is shuffled,
/// so that an order's events arrive out of order, and a duplicate before its original.
/// Returns the number of orders to create and the event requests.
pub fn load(total: usize, seed: u64) -> (usize, Vec<Request>) {
    let mut rng = Rng(seed);
    let mut requests = Vec::new();
    let mut orders = 0;
    while orders + requests.len() < total {
        let order = orders;
        orders += 1;
        let script = SCRIPTS[rng.below(SCRIPTS.len())];
        for (j, event) in script.iter().enumerate() {
            let request = Request {
                order,
                key: format!("k-{order}-{j}"),
                body: body(event),
            };
            if rng.below(4) == 0 {
                requests.push(request.clone());
            }
            requests.push(request);
        }
    }
    requests.truncate(total - orders);
    // Fisher-Yates.
    for i in (1..requests.len()).rev() {
        requests.swap(i, rng.below(i + 1));
    }
    (orders, requests)
}

/// What the load's answers say: the answers per (order id, key), and counts.
#[derive(Debug, Default)]
pub struct Answers {
    pub by_key: HashMap<(String, String), Vec<Reply>>,
    pub statuses: HashMap<u16, usize>,
    pub conflicts: u64,
    pub replayed: usize,
    pub retried_503: usize,
}

impl Answers {
    /// Checks that every answer to a key is the first one (status and body), and that each key
    /// got a final answer; returns the keys whose answer wrote a record (200 and 409), with it.
    pub fn check_duplicates(&self) -> HashMap<(String, String), Value> {
        let mut recorded = HashMap::new();
        for ((id, key), replies) in &self.by_key {
            let first = &replies[0];
            for other in &replies[1..] {
                assert_eq!(
                    (first.status, &first.text),
                    (other.status, &other.text),
                    "order {id} key {key}: a repeated key got another answer"
                );
            }
            assert!(
                first.status == StatusCode::OK || first.status == StatusCode::CONFLICT,
                "order {id} key {key}: {} {}",
                first.status,
                first.text
            );
            recorded.insert((id.clone(), key.clone()), first.json["record"].clone());
        }
        recorded
    }
}

/// Sends the load: creates `orders` orders, then the event requests, from `workers` clients
/// at once. Client `w` talks to `bases[w % bases.len()]`; when its service does not answer
/// (connection refused or reset: killed), it moves to the next one and sends the same request
/// again, as a load balancer would. A `503` is retried with the same key after a moment.
/// `halfway` runs once, when half the event requests have been taken.
pub async fn drive(
    bases: &[String],
    orders: usize,
    requests: Vec<Request>,
    workers: usize,
    halfway: Box<dyn FnOnce() + Send>,
) -> (Vec<String>, Answers) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    let bases: Arc<Vec<String>> = Arc::new(bases.to_vec());
    let dead: Arc<Vec<std::sync::atomic::AtomicBool>> = Arc::new(
        bases
            .iter()
            .map(|_| std::sync::atomic::AtomicBool::new(false))
            .collect(),
    );
    let http = client();

    // The orders.
    let ids = Arc::new(Mutex::new(vec![String::new(); orders]));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (bases, ids, next, http) = (bases.clone(), ids.clone(), next.clone(), http.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= orders {
                    return;
                }
                let id = create(&http, &bases[w % bases.len()]).await.unwrap();
                ids.lock().unwrap()[i] = id;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let ids: Vec<String> = ids.lock().unwrap().clone();

    // The events.
    let total = requests.len();
    let requests = Arc::new(requests);
    let answers = Arc::new(Mutex::new(Answers::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let halfway = Arc::new(Mutex::new(Some(halfway)));
    let ids = Arc::new(ids);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (bases, dead, http) = (bases.clone(), dead.clone(), http.clone());
        let (requests, answers, next, halfway, ids) = (
            requests.clone(),
            answers.clone(),
            next.clone(),
            halfway.clone(),
            ids.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut target = w % bases.len();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return;
                }
                if i == total / 2 {
                    if let Some(kill) = halfway.lock().unwrap().take() {
                        kill();
                    }
                }
                let request = &requests[i];
                let id = &ids[request.order];
                let mut busy = 0;
                let reply = loop {
                    if dead[target].load(Ordering::Relaxed) {
                        target = (target + 1) % bases.len();
                    }
                    match send(&http, &bases[target], id, Some(&request.key), request.body).await {
                        Ok(reply) if reply.status == StatusCode::SERVICE_UNAVAILABLE => {
                            busy += 1;
                            assert!(
                                busy < 200,
                                "{id} {}: 503 200 times: {}",
                                request.key,
                                reply.text
                            );
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        Ok(reply) => break reply,
                        Err(error) => {
                            // The service is gone: the next one.
                            assert!(bases.len() > 1, "{id} {}: {error}", request.key);
                            dead[target].store(true, Ordering::Relaxed);
                            target = (target + 1) % bases.len();
                        }
                    }
                };
                let mut answers = answers.lock().unwrap();
                answers.retried_503 += busy;
                answers.conflicts += u64::from(reply.conflicts);
                answers.replayed += usize::from(reply.replayed);
                *answers.statuses.entry(reply.status.as_u16()).or_default() += 1;
                answers
                    .by_key
                    .entry((id.clone(), request.key.clone()))
                    .or_default()
                    .push(reply);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let answers = std::mem::take(&mut *answers.lock().unwrap());
    (ids.to_vec(), answers)
}

/// A row of `statewright_records` with an event id: instance, event id, sequence, outcome.
pub type KeyRow = (String, String, i64, String);

/// Checks the database against the answers: every answer that wrote a record (200, 409) has
/// exactly one row with its key, with the sequence number and outcome the answer gave; no row
/// has a key nobody was answered for; the rows without a key are the orders' `place` records.
pub fn check_rows(answers: &Answers, rows: &[KeyRow], unkeyed: i64, orders: usize) {
    let recorded = answers.check_duplicates();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (instance, key, sequence, outcome) in rows {
        let count = seen.entry((instance.clone(), key.clone())).or_default();
        *count += 1;
        assert_eq!(*count, 1, "{instance} {key}: written twice");
        let record = recorded
            .get(&(instance.clone(), key.clone()))
            .unwrap_or_else(|| panic!("{instance} {key}: a row no answer acknowledged"));
        assert_eq!(
            record["sequence"].as_i64(),
            Some(*sequence),
            "{instance} {key}"
        );
        assert_eq!(
            record["outcome"].as_str(),
            Some(outcome.as_str()),
            "{instance} {key}"
        );
    }
    for key in recorded.keys() {
        assert!(
            seen.contains_key(key),
            "{key:?}: acknowledged, but not in the database"
        );
    }
    assert_eq!(
        unkeyed, orders as i64,
        "one `place` record per order, nothing else unkeyed"
    );
}
