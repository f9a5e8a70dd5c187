-- statewright journal schema, version 1, for PostgreSQL.
-- Applied by `statewright::sql::postgres::migrate`, never on open. The migration runner records
-- the version in `statewright_schema_version` in the same transaction.

-- One row per machine type: its name, fingerprint and definition JSON. A journal refuses to
-- open for a definition whose fingerprint differs from the one recorded here.
CREATE TABLE statewright_machines (
    machine     TEXT NOT NULL PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    definition  TEXT NOT NULL
);

-- One row per transition attempt (applied or rejected), the fields of the file journal's lines.
-- The primary key is the optimistic lock: an append claims (machine, instance, sequence), so
-- two writers racing for the same instance cannot both write the same sequence number.
CREATE TABLE statewright_records (
    machine     TEXT    NOT NULL REFERENCES statewright_machines (machine),
    instance    TEXT    NOT NULL,
    sequence    BIGINT  NOT NULL CHECK (sequence >= 1),
    from_state  TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    to_state    TEXT    NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('applied', 'rejected')),
    -- Wall-clock time of the append, nanoseconds since the Unix epoch.
    at_ns       BIGINT,
    -- Monotonic time the instance spent in `from_state`, when the writer saw it enter it.
    in_state_ns BIGINT,
    -- Reserved for idempotent apply (an event's id, unique per instance); always NULL for now.
    event_id    TEXT,
    PRIMARY KEY (machine, instance, sequence)
);

CREATE UNIQUE INDEX statewright_records_event_id
    ON statewright_records (machine, instance, event_id)
    WHERE event_id IS NOT NULL;

-- Snapshots of instances whose states carry data: `Snapshot<M>` as JSON, at a sequence number.
CREATE TABLE statewright_snapshots (
    machine  TEXT    NOT NULL REFERENCES statewright_machines (machine),
    instance TEXT    NOT NULL,
    sequence BIGINT  NOT NULL CHECK (sequence >= 0),
    state    TEXT    NOT NULL,
    PRIMARY KEY (machine, instance, sequence)
);
