//! The HTTP API: routes, and what each outcome answers.
//!
//! | request | answers |
//! | --- | --- |
//! | `POST /orders` | `201` `{"order","state","record"}` and `Location: /orders/{id}`: a new order, placed (`Pending`) |
//! | `POST /orders/{id}/events` + `Idempotency-Key` | `200` `{"order","state","record"}`: applied |
//! | | `409` `{"order","state","event","error","allowed","record"}`: not allowed in the order's state; the refusal is recorded |
//! | | `404` `{"error"}`: no such order |
//! | | `422` `{"error","did_you_mean","events"}`: not JSON, not an event of the order machine (with the nearest valid name), or an event with wrong fields |
//! | | `403` `{"error","event"}`: an internal event (`timeout`, `place`): only the service raises those |
//! | | `400` `{"error"}`: no `Idempotency-Key`, or one that is not a valid event id |
//! | | `503` `{"error"}` and `Retry-After: 1`: other writers kept winning the race for the order ([`ATTEMPTS`](crate::store::ATTEMPTS) conflicts in a row), or the database failed; nothing was recorded, so retrying with the same key is safe |
//! | `GET /orders/{id}` | `200` `{"order","state","allowed","history"}`: the history verified by a replay; `404` |
//! | `GET /orders/{id}/diagram.svg` | `200` the machine's diagram, the order's state highlighted; `404` |
//!
//! A repeated `Idempotency-Key` (for the same order) gets the first answer: the same status and
//! body, with the header `Idempotent-Replayed: true`. Answers that wrote no record (`4xx` other
//! than `409`, `503`) are not remembered: the same request gets the same answer again, or, after
//! a `503`, the answer of its first successful try. Every answer of the events route has the
//! header `Statewright-Conflicts`: how many times the order was loaded again because another
//! writer had appended to it first.
//!
//! # A client that goes away
//!
//! When a client disconnects before its answer, axum drops the handler's future. The writes
//! (`POST /orders`, `POST /orders/{id}/events`) therefore run in a task of their own
//! ([`to_completion`]), which the handler only awaits: dropping the handler drops the wait, not
//! the write. The event is applied (or refused) and recorded with its key as if the client had
//! stayed, and its answer is the one a retry with the same key gets (`Idempotent-Replayed:
//! true`). A new order is placed and its deadline scheduled; a client that never saw its id can
//! only find it in the database. Nothing is cut off halfway, so no machine is left poisoned and
//! no record is left whose answer was never made. (Were a write cut off anyway, by a runtime
//! shutting down, the store's own cancel safety holds: see [`crate::store`].) Reads are simply
//! dropped.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use statewright::{Record, StateMachine};

use crate::expiry::Expiry;
use crate::machine::{Order, order};
use crate::store::{Outcome, Store, StoreError};

/// The header that carries an event's id.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header set on a repeated key's answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// The header that counts the conflicts an event went through.
pub const CONFLICTS: &str = "statewright-conflicts";

/// What the handlers share.
pub struct App {
    /// The journals.
    pub store: Arc<Store>,
    /// The timer of unpaid orders.
    pub expiry: Expiry,
    /// How long a placed order waits for payment.
    pub expire_after: Duration,
}

/// The service's routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/orders", post(create))
        .route("/orders/{id}", get(show))
        .route("/orders/{id}/events", post(event))
        .route("/orders/{id}/diagram.svg", get(diagram))
        .with_state(app)
}

/// A status and a JSON body.
fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    answer(status, json!({ "error": message.into() }))
}

fn unavailable(e: &StoreError) -> Response {
    let mut response = error(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

fn not_found(id: &str) -> Response {
    error(StatusCode::NOT_FOUND, format!("no order `{id}`"))
}

/// A record as the answers show it. Without its time in answers to events, so that a repeated
/// key's answer, read back from the database, is the first answer byte for byte.
pub fn record_json(record: &Record, with_time: bool) -> Value {
    let mut value = json!({
        "sequence": record.sequence(),
        "from": record.from().name(),
        "event": record.event().name(),
        "to": record.to().name(),
        "outcome": record.outcome().as_str(),
    });
    if with_time {
        value["at_ns"] = json!(record.at().map(|at| at.unix_nanos()));
    }
    value
}

/// The `200` of an applied event.
fn applied(id: &str, record: &Record) -> Response {
    answer(
        StatusCode::OK,
        json!({ "order": id, "state": record.to().name(), "record": record_json(record, false) }),
    )
}

/// The `409` of a refused event: the rejection's message, and the events allowed instead.
fn refused(id: &str, record: &Record, message: &str) -> Response {
    let allowed = external(Order::DEFINITION.allowed_events(record.from_id()));
    answer(
        StatusCode::CONFLICT,
        json!({
            "order": id,
            "state": record.from().name(),
            "event": record.event().name(),
            "error": message,
            "allowed": allowed,
            "record": record_json(record, false),
        }),
    )
}

/// The names of the events a client may send among `events` (internal ones left out).
fn external(events: statewright::Events) -> Vec<&'static str> {
    events
        .filter(|e| !e.is_internal())
        .map(|e| e.name())
        .collect()
}

/// What the runtime's rejection says for an illegal event (`Cause::Illegal`), made from its
/// record: for the answer to a repeated key, which has the record and not the rejection.
/// A test checks it against the rejection's own text.
pub fn refusal_message(record: &Record) -> String {
    // The rejection lists the events its sender can send: the external ones.
    let allowed = external(Order::DEFINITION.allowed_events(record.from_id()));
    let allowed = if allowed.is_empty() {
        "none".to_owned()
    } else {
        allowed
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "`{}` cannot apply `{}` in state `{}`; allowed: {allowed}",
        record.machine(),
        record.event().name(),
        record.from().name(),
    )
}

/// The state an order's history leads to.
fn current(history: &[Record]) -> statewright::StateInfo {
    history
        .last()
        .map_or(Order::DEFINITION.initial(), Record::to)
}

/// A new order id: `o-` and 16 hex digits from the standard library's randomly seeded hasher.
fn new_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("o-{:016x}", RandomState::new().hash_one((n, now)))
}

/// Runs `write` in a task of its own and awaits it: dropping the returned future (a client
/// that went away) does not cancel the write, which runs to its end.
pub async fn to_completion<T: Send + 'static>(
    write: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::spawn(write)
        .await
        .unwrap_or_else(|e| Err(StoreError(format!("a storage task failed: {e}"))))
}

/// `POST /orders`.
async fn create(State(app): State<Arc<App>>) -> Response {
    let id = new_id();
    // Placed and scheduled together, even if the client goes away in between.
    let placed = to_completion({
        let (app, id) = (Arc::clone(&app), id.clone());
        async move {
            let record = app.store.place(&id).await?;
            app.expiry
                .schedule(id, tokio::time::Instant::now() + app.expire_after);
            Ok(record)
        }
    });
    match placed.await {
        Ok(record) => {
            let mut response = answer(
                StatusCode::CREATED,
                json!({ "order": id, "state": record.to().name(), "record": record_json(&record, false) }),
            );
            if let Ok(location) = HeaderValue::from_str(&format!("/orders/{id}")) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Err(e) => unavailable(&e),
    }
}

/// Reads an event from a body in the wire form, or the answer that refuses it.
fn read_event(body: &[u8]) -> Result<order::Event, Box<Response>> {
    let error = match serde_json::from_slice::<order::Event>(body) {
        Ok(event) => return Ok(event),
        Err(error) => error,
    };
    let name = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned));
    let known = name.as_deref().and_then(|n| Order::DEFINITION.event(n));
    if let (Some(name), Some(event)) = (&name, known) {
        if event.is_internal() {
            return Err(Box::new(answer(
                StatusCode::FORBIDDEN,
                json!({ "error": error.to_string(), "event": name }),
            )));
        }
    }
    let did_you_mean = match (&name, known) {
        (Some(name), None) => order::Event::from_name(name)
            .err()
            .and_then(|e| e.nearest()),
        _ => None,
    };
    Err(Box::new(answer(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({
            "error": error.to_string(),
            "did_you_mean": did_you_mean,
            "events": order::Event::EXTERNAL,
        }),
    )))
}

/// `POST /orders/{id}/events`.
async fn event(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(key) = headers.get(IDEMPOTENCY_KEY) else {
        return error(
            StatusCode::BAD_REQUEST,
            "an event needs an `Idempotency-Key` header: its id, the same on every retry",
        );
    };
    let Ok(key) = key.to_str() else {
        return error(
            StatusCode::BAD_REQUEST,
            "the `Idempotency-Key` header is not visible ASCII",
        );
    };
    let event = match read_event(&body) {
        Ok(event) => event,
        Err(response) => return *response,
    };
    let applying = to_completion({
        let (store, id, key) = (Arc::clone(&app.store), id.clone(), key.to_owned());
        async move { store.apply(&id, &key, event).await }
    });
    let answer = match applying.await {
        Ok(answer) => answer,
        Err(e) => return unavailable(&e),
    };
    let mut response = match &answer.outcome {
        Outcome::Applied(record) => applied(&id, record),
        Outcome::Refused { record, message } => refused(&id, record, message),
        Outcome::Repeated(record) => {
            let mut response = if record.is_applied() {
                applied(&id, record)
            } else {
                refused(&id, record, &refusal_message(record))
            };
            response
                .headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
            response
        }
        Outcome::NotFound => not_found(&id),
        Outcome::InvalidKey(message) => error(
            StatusCode::BAD_REQUEST,
            format!("the `Idempotency-Key` header: {message}"),
        ),
        Outcome::Busy => unavailable(&StoreError(format!(
            "order `{id}`: other writers kept appending to it first; nothing was recorded, retry \
             with the same key"
        ))),
    };
    response
        .headers_mut()
        .insert(CONFLICTS, HeaderValue::from(answer.conflicts));
    response
}

/// `GET /orders/{id}`.
async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.store.history(&id).await {
        Ok(Some(history)) => {
            let state = current(&history);
            let allowed = external(state.allowed_events());
            answer(
                StatusCode::OK,
                json!({
                    "order": id,
                    "state": state.name(),
                    "allowed": allowed,
                    "history": history.iter().map(|r| record_json(r, true)).collect::<Vec<_>>(),
                }),
            )
        }
        Ok(None) => not_found(&id),
        Err(e) => unavailable(&e),
    }
}

/// `GET /orders/{id}/diagram.svg`.
async fn diagram(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.store.history(&id).await {
        Ok(Some(history)) => {
            let state = current(&history);
            (
                [(header::CONTENT_TYPE, "image/svg+xml")],
                Order::DEFINITION.svg_highlighting(state),
            )
                .into_response()
        }
        Ok(None) => not_found(&id),
        Err(e) => unavailable(&e),
    }
}
