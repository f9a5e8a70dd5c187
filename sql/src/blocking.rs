//! The synchronous journals' side of the shared logic: a [`Backend`] behind a mutex, whose
//! futures are ready when they are made, and [`now`], which runs such a future to its end
//! without any async runtime.

use core::future::{Future, ready};
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::Migrate;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::shared::Migrator;
use crate::{AsyncBackend, Backend, DatabaseError, Kind, Param, Schema, Stmt, Value};

/// The output of `future`, which must be ready at its first poll: the futures of the shared
/// logic on a [`Blocking`] backend are (they await nothing else), so a synchronous journal
/// runs them on the caller's thread, with no runtime and no allocation.
///
/// # Panics
///
/// When `future` is not ready at once: that is a bug of this crate (an await of something
/// other than a blocking backend's ready futures), never a consequence of the caller's input.
pub(crate) fn now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!(
            "a synchronous statewright journal awaited something that was not ready \
             (a bug of statewright-sql)"
        ),
    }
}

/// A synchronous backend as the shared logic drives it: each statement locks the connection,
/// runs, and hands back a ready future. Clones share the connection and take turns on it.
pub(crate) struct Blocking<B>(pub(crate) Arc<Mutex<B>>);

impl<B> Clone for Blocking<B> {
    fn clone(&self) -> Self {
        Blocking(Arc::clone(&self.0))
    }
}

impl<B> Blocking<B> {
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn new(backend: B) -> Self {
        Blocking(Arc::new(Mutex::new(backend)))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, B> {
        // Nothing leaves the backend inconsistent before something that can panic.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<B> crate::sealed::Sealed for Blocking<B> {}

impl<B: Backend> AsyncBackend for Blocking<B> {
    const MIGRATE: &'static str = <B::Conn as Schema>::MIGRATE;
    const SCHEMA_EXISTS: &'static str = <B::Conn as Schema>::SCHEMA_EXISTS;

    fn query_i64(&self, sql: &str) -> impl Future<Output = Result<i64, DatabaseError>> + Send {
        ready(self.lock().conn().query_i64(sql))
    }

    fn execute(
        &self,
        stmt: Stmt,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<u64, DatabaseError>> + Send {
        ready(self.lock().execute(stmt, params))
    }

    fn query(
        &self,
        stmt: Stmt,
        params: &[Param<'_>],
        columns: &[Kind],
    ) -> impl Future<Output = Result<Vec<Vec<Value>>, DatabaseError>> + Send {
        ready(self.lock().query(stmt, params, columns))
    }
}

/// A synchronous connection the migrations run on, as the shared migration logic drives it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct SyncMigrator<'a, S>(pub(crate) &'a mut S);

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<S: Migrate> Migrator for SyncMigrator<'_, S> {
    const BEGIN_MIGRATION: &'static str = S::BEGIN_MIGRATION;
    const MIGRATIONS: &'static [(i64, &'static str)] = S::MIGRATIONS;

    fn batch(&mut self, sql: &str) -> impl Future<Output = Result<(), DatabaseError>> {
        ready(self.0.batch(sql))
    }

    fn query_i64(&mut self, sql: &str) -> impl Future<Output = Result<i64, DatabaseError>> {
        ready(self.0.query_i64(sql))
    }
}
