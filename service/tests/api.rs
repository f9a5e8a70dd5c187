//! The service on `127.0.0.1:0` with SQLite, driven by a real HTTP client: every status code,
//! idempotent retries, forged internal events, the diagram, expiry across a restart, and a
//! client that disconnects while its event is being written.

mod common;

use std::time::Duration;

use common::{Scratch, client, create, get, send};
use reqwest::StatusCode;
use serde_json::json;
use statewright::StateMachine;
use statewright::sql::sqlite::AsyncSqliteJournal;
use statewright_service::machine::Order;
use statewright_service::{Config, Database, Running, start};

async fn serve(scratch: &Scratch, expire_after: Duration) -> Running {
    start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: Database::Sqlite(scratch.db()),
        expire_after,
        sweep_every: Duration::from_secs(3600),
        connections: 2,
    })
    .await
    .unwrap()
}

/// The order's journal, opened on the service's database file by the test.
async fn journal(scratch: &Scratch) -> AsyncSqliteJournal {
    AsyncSqliteJournal::open(scratch.db(), Order::DEFINITION)
        .await
        .unwrap()
}

/// Rows of the order with this key, read from the database itself.
async fn rows_with_key(scratch: &Scratch, id: &str, key: &str) -> i64 {
    let (id, key) = (id.to_owned(), key.to_owned());
    journal(scratch)
        .await
        .with_connection(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM statewright_records WHERE instance = ?1 AND event_id = ?2",
                [id, key],
                |row| row.get(0),
            )
            .unwrap()
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_code() {
    let scratch = Scratch::new("status");
    let service = serve(&scratch, Duration::from_secs(3600)).await;
    let (base, http) = (service.url(), client());

    // 201: a new order, placed.
    let response = http.post(format!("{base}/orders")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = common::reply(response).await;
    let id = created.json["order"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/orders/{id}"));
    assert_eq!(created.json["state"], "Pending");
    assert_eq!(
        created.json["record"],
        json!({"sequence": 1, "from": "New", "event": "place", "to": "Pending", "outcome": "applied"})
    );

    // 409: not allowed in `Pending`, with the rejection's message and the allowed events.
    let ship = send(&http, &base, &id, Some("k-ship"), r#"{"type":"ship"}"#)
        .await
        .unwrap();
    assert_eq!(ship.status, StatusCode::CONFLICT, "{}", ship.text);
    assert_eq!(ship.json["allowed"], json!(["pay", "cancel"]));
    assert_eq!(ship.json["state"], "Pending");
    assert_eq!(
        ship.json["error"],
        "`Order` cannot apply `ship` in state `Pending`; allowed: `pay`, `cancel`"
    );
    assert_eq!(ship.json["record"]["outcome"], "rejected");

    // 200: applied.
    let pay = send(&http, &base, &id, Some("k-pay"), r#"{"type":"pay"}"#)
        .await
        .unwrap();
    assert_eq!(pay.status, StatusCode::OK, "{}", pay.text);
    assert_eq!(pay.json["state"], "Paid");
    assert_eq!(pay.json["record"]["sequence"], 3);
    assert!(!pay.replayed);

    // 404: no such order (and an id no journal takes).
    let unknown = send(&http, &base, "o-none", Some("k"), r#"{"type":"pay"}"#)
        .await
        .unwrap();
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json["error"], "no order `o-none`");
    assert_eq!(
        get(&http, &base, "/orders/o-none").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&http, &base, &format!("/orders/{}", "x".repeat(2000)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&http, &base, "/orders/o-none/diagram.svg").await.status,
        StatusCode::NOT_FOUND
    );

    // 422: an unknown event, with the nearest valid name.
    let typo = send(&http, &base, &id, Some("k-typo"), r#"{"type":"shp"}"#)
        .await
        .unwrap();
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(typo.json["did_you_mean"], "ship");
    assert_eq!(
        typo.json["events"],
        json!(["pay", "cancel", "ship", "deliver"])
    );
    assert!(
        typo.json["error"]
            .as_str()
            .unwrap()
            .starts_with("`Order` has no event `shp`; did you mean `ship`?"),
        "{}",
        typo.text
    );
    // 422: not JSON, not an object, an unknown field, no type.
    for body in [
        "{",
        "[1]",
        r#"{"type":"pay","amount":3}"#,
        r#"{"amount":3}"#,
        "",
    ] {
        let bad = send(&http, &base, &id, Some("k-bad"), body).await.unwrap();
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            bad.text
        );
        assert_eq!(bad.json["did_you_mean"], json!(null), "{body}");
    }

    // 403: internal events cannot come from outside, and leave no record.
    for event in ["timeout", "place"] {
        let forged = send(
            &http,
            &base,
            &id,
            Some("k-forged"),
            &format!(r#"{{"type":"{event}"}}"#),
        )
        .await
        .unwrap();
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
        assert_eq!(
            forged.json["error"],
            format!(
                "`{event}` is an internal event of `Order`: the machine raises it itself, so it \
                 is not accepted from outside"
            )
        );
    }
    assert_eq!(rows_with_key(&scratch, &id, "k-forged").await, 0);

    // 400: no key, or a key that is not a valid event id.
    let keyless = send(&http, &base, &id, None, r#"{"type":"ship"}"#)
        .await
        .unwrap();
    assert_eq!(keyless.status, StatusCode::BAD_REQUEST, "{}", keyless.text);
    let long = "k".repeat(2000);
    let long_key = send(&http, &base, &id, Some(&long), r#"{"type":"ship"}"#)
        .await
        .unwrap();
    assert_eq!(
        long_key.status,
        StatusCode::BAD_REQUEST,
        "{}",
        long_key.text
    );

    // The order's history: verified, every attempt.
    let order = get(&http, &base, &format!("/orders/{id}")).await;
    assert_eq!(order.status, StatusCode::OK);
    assert_eq!(order.json["state"], "Paid");
    assert_eq!(order.json["allowed"], json!(["ship", "cancel"]));
    let events: Vec<&str> = order.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["place", "ship", "pay"]);
    assert!(order.json["history"][0]["at_ns"].as_u64().unwrap() > 0);

    // The diagram, its current state highlighted.
    let response = http
        .get(format!("{base}/orders/{id}/diagram.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.unwrap();
    let paid = Order::DEFINITION.state("Paid").unwrap();
    assert_eq!(svg, Order::DEFINITION.svg_highlighting(paid));
    assert!(svg.contains("<title>Paid (current): Payment captured.</title>"));
    service.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_key_gets_the_first_answer_and_writes_nothing() {
    let scratch = Scratch::new("idempotent");
    let service = serve(&scratch, Duration::from_secs(3600)).await;
    let (base, http) = (service.url(), client());
    let id = create(&http, &base).await.unwrap();

    // A refusal, then its retry after the order moved on: the same 409, from the record.
    let refused = send(&http, &base, &id, Some("a"), r#"{"type":"ship"}"#)
        .await
        .unwrap();
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let paid = send(&http, &base, &id, Some("b"), r#"{"type":"pay"}"#)
        .await
        .unwrap();
    assert_eq!(paid.status, StatusCode::OK);
    // In `Paid`, `ship` is allowed now: the key still answers what it answered.
    let again = send(&http, &base, &id, Some("a"), r#"{"type":"ship"}"#)
        .await
        .unwrap();
    assert_eq!((again.status, &again.text), (refused.status, &refused.text));
    assert!(again.replayed);
    // The runtime's message and the one made from the stored record are the same text.
    assert_eq!(again.json["error"], refused.json["error"]);
    // The applied one, retried three times, even with another body.
    for body in [
        r#"{"type":"pay"}"#,
        r#"{"type":"pay"}"#,
        r#"{"type":"cancel"}"#,
    ] {
        let retry = send(&http, &base, &id, Some("b"), body).await.unwrap();
        assert_eq!((retry.status, &retry.text), (paid.status, &paid.text));
        assert!(retry.replayed);
    }
    assert_eq!(rows_with_key(&scratch, &id, "a").await, 1);
    assert_eq!(rows_with_key(&scratch, &id, "b").await, 1);
    let order = get(&http, &base, &format!("/orders/{id}")).await;
    assert_eq!(order.json["history"].as_array().unwrap().len(), 3);
    assert_eq!(order.json["state"], "Paid");

    // Keys are per order: the same key on another order is another event.
    let other = create(&http, &base).await.unwrap();
    let first = send(&http, &base, &other, Some("b"), r#"{"type":"cancel"}"#)
        .await
        .unwrap();
    assert_eq!((first.status, first.replayed), (StatusCode::OK, false));

    // After a restart, the database still knows the key.
    service.stop().await.unwrap();
    let service = serve(&scratch, Duration::from_secs(3600)).await;
    let after = send(&http, &service.url(), &id, Some("b"), r#"{"type":"pay"}"#)
        .await
        .unwrap();
    assert_eq!((after.status, &after.text), (paid.status, &paid.text));
    service.stop().await.unwrap();
}

/// Waits until the order is in `state` (the timer runs on its own), at most `limit`.
async fn wait_for(base: &str, id: &str, state: &str, limit: Duration) -> serde_json::Value {
    let http = client();
    let start = std::time::Instant::now();
    loop {
        let order = get(&http, base, &format!("/orders/{id}")).await;
        if order.json["state"] == state || start.elapsed() > limit {
            return order.json;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_order_expires_and_a_paid_one_does_not() {
    let scratch = Scratch::new("expiry");
    let service = serve(&scratch, Duration::from_millis(300)).await;
    let (base, http) = (service.url(), client());
    let unpaid = create(&http, &base).await.unwrap();
    let paid = create(&http, &base).await.unwrap();
    send(&http, &base, &paid, Some("p"), r#"{"type":"pay"}"#)
        .await
        .unwrap();
    let order = wait_for(&base, &unpaid, "Expired", Duration::from_secs(10)).await;
    assert_eq!(order["state"], "Expired", "{order}");
    assert_eq!(order["history"][1]["event"], "timeout");
    assert_eq!(order["allowed"], json!([]));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let order = get(&http, &base, &format!("/orders/{paid}")).await;
    assert_eq!(order.json["state"], "Paid");
    // Too late to pay: 409.
    let late = send(&http, &base, &unpaid, Some("late"), r#"{"type":"pay"}"#)
        .await
        .unwrap();
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.json["state"], "Expired");
    service.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_survive_a_restart() {
    let scratch = Scratch::new("restart");
    let expire_after = Duration::from_millis(1500);
    let service = serve(&scratch, expire_after).await;
    let http = client();
    let base = service.url();
    // Due while the service is stopped, and due after it has started again.
    let early = create(&http, &base).await.unwrap();
    service.stop().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let service = serve(&scratch, expire_after).await;
    let base = service.url();
    let late = create(&http, &base).await.unwrap();
    service.stop().await.unwrap();
    // Both deadlines pass while nothing runs: nothing expires them.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let journal = journal(&scratch).await;
    for id in [&early, &late] {
        let (state, _) = journal.state(id).await.unwrap().unwrap();
        assert_eq!(state.name(), "Pending");
    }

    // A new process finds them in the database, with their deadlines from the records' times:
    // both passed, so both fire at once.
    let service = serve(&scratch, expire_after).await;
    let base = service.url();
    for id in [&early, &late] {
        let order = wait_for(&base, id, "Expired", Duration::from_secs(10)).await;
        assert_eq!(order["state"], "Expired", "{order}");
        let history = order["history"].as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1]["event"], "timeout");
    }
    service.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_not_yet_due_at_a_restart_fires_later() {
    let scratch = Scratch::new("restart-later");
    let expire_after = Duration::from_millis(1200);
    let service = serve(&scratch, expire_after).await;
    let http = client();
    let id = create(&http, &service.url()).await.unwrap();
    service.stop().await.unwrap();
    let service = serve(&scratch, expire_after).await;
    let base = service.url();
    let order = get(&http, &base, &format!("/orders/{id}")).await;
    assert_eq!(order.json["state"], "Pending", "not due yet");
    let order = wait_for(&base, &id, "Expired", Duration::from_secs(10)).await;
    assert_eq!(order["state"], "Expired", "{order}");
    service.stop().await.unwrap();
}

/// Takes SQLite's write lock on the service's database (`BEGIN IMMEDIATE` on a connection of
/// the test's), so that the service's next append waits for it; released by `release`.
async fn hold_write_lock(scratch: &Scratch) -> AsyncSqliteJournal {
    let lock = journal(scratch).await;
    lock.with_connection(|c| c.execute_batch("BEGIN IMMEDIATE"))
        .await
        .unwrap();
    lock
}

async fn release(lock: AsyncSqliteJournal) {
    lock.with_connection(|c| c.execute_batch("ROLLBACK"))
        .await
        .unwrap();
}

/// A client sends `pay` and disconnects while the service is writing its record (held up by
/// a write lock): axum drops the handler, but the write runs in a task of its own and
/// completes. The retry with the same key gets the answer the first request would have had,
/// from the record; one record has the key. (The outcome would be the same without the task,
/// from the store's own cancel safety: an SQLite statement once sent runs to its end, and every
/// call loads the order afresh; the next test checks that layer alone.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_during_the_append_gets_one_record_and_the_first_answer() {
    let scratch = Scratch::new("disconnect");
    let service = serve(&scratch, Duration::from_secs(3600)).await;
    let (base, http) = (service.url(), client());
    let id = create(&http, &base).await.unwrap();

    let lock = hold_write_lock(&scratch).await;
    let body = r#"{"type":"pay"}"#;
    let request = format!(
        "POST /orders/{id}/events HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Idempotency-Key: gone\r\nContent-Length: {}\r\n\r\n{body}",
        service.addr(),
        body.len()
    );
    let stream = tokio::net::TcpStream::connect(service.addr())
        .await
        .unwrap();
    let mut sent = 0;
    while sent < request.len() {
        stream.writable().await.unwrap();
        match stream.try_write(&request.as_bytes()[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    // The handler is waiting for the append now; the client goes away, and the service sees
    // the connection closed mid-request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stream);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rows_with_key(&scratch, &id, "gone").await,
        0,
        "not yet written"
    );
    release(lock).await;

    // The write completes on its own, with nobody waiting for its answer.
    let order = wait_for(&base, &id, "Paid", Duration::from_secs(10)).await;
    assert_eq!(order["state"], "Paid", "{order}");
    assert_eq!(order["history"].as_array().unwrap().len(), 2);

    let retry = send(&http, &base, &id, Some("gone"), body).await.unwrap();
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text);
    assert!(
        retry.replayed,
        "the first request's answer, from its record"
    );
    assert_eq!(
        retry.json,
        json!({
            "order": id,
            "state": "Paid",
            "record": {"sequence": 2, "from": "Pending", "event": "pay", "to": "Paid", "outcome": "applied"},
        })
    );
    assert_eq!(rows_with_key(&scratch, &id, "gone").await, 1);
    service.stop().await.unwrap();
}

/// The store on its own (no task around it): a `Store::apply` future dropped while its append
/// waits leaves no poisoned machine behind (each call loads the order afresh); the append it
/// had sent completes, and the retry with the same key answers from that record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_apply_dropped_during_the_append_is_answered_from_its_record_on_retry() {
    use statewright_service::machine::order;
    use statewright_service::store::Outcome;

    let scratch = Scratch::new("dropped-apply");
    let store = statewright_service::Store::open(Database::Sqlite(scratch.db()), 1)
        .await
        .unwrap();
    store.place("o-1").await.unwrap();

    let lock = hold_write_lock(&scratch).await;
    let dropped = tokio::time::timeout(
        Duration::from_millis(300),
        store.apply("o-1", "k-1", order::Event::Pay),
    )
    .await;
    assert!(
        dropped.is_err(),
        "the append waits for the lock: {dropped:?}"
    );
    release(lock).await;

    let retry = store.apply("o-1", "k-1", order::Event::Pay).await.unwrap();
    let Outcome::Repeated(record) = retry.outcome else {
        panic!("{retry:?}");
    };
    assert_eq!(record.to_string(), "#2 Pending --pay--> Paid");
    assert_eq!(rows_with_key(&scratch, "o-1", "k-1").await, 1);
    let history = store.history("o-1").await.unwrap().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    // And the order goes on.
    let ship = store.apply("o-1", "k-2", order::Event::Ship).await.unwrap();
    assert!(matches!(ship.outcome, Outcome::Applied(_)), "{ship:?}");
}
