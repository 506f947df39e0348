-- Billing.Resilience SQLite journal, schema version 1: the events.
-- Applied once, in a transaction, by the journal when it opens the file; recorded in schema_version.
-- Never edit a script that has shipped: add the next number instead.

-- One row per event. global_position is the rowid: assigned by the single writer in commit order.
CREATE TABLE events (
    global_position INTEGER PRIMARY KEY,
    stream_id       TEXT    NOT NULL CHECK (length(stream_id) BETWEEN 1 AND 200),
    stream_version  INTEGER NOT NULL CHECK (stream_version >= 1),
    event_id        TEXT    NOT NULL CHECK (length(event_id) = 36),
    event_type      TEXT    NOT NULL CHECK (length(event_type) >= 1),
    payload         BLOB    NOT NULL CHECK (length(payload) <= 1048576),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version),
    CONSTRAINT events_event_id_unique UNIQUE (event_id)
) STRICT;

-- A stream has no gaps: each event is the one right after the stream's last.
CREATE TRIGGER events_versions_contiguous
BEFORE INSERT ON events
WHEN NEW.stream_version <> coalesce((SELECT max(e.stream_version) FROM events e WHERE e.stream_id = NEW.stream_id), 0) + 1
BEGIN
    SELECT RAISE(ABORT, 'events: a stream version must follow the stream''s last version');
END;

-- The journal is append-only.
CREATE TRIGGER events_no_update
BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events: the journal is append-only (no UPDATE)');
END;

CREATE TRIGGER events_no_delete
BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events: the journal is append-only (no DELETE)');
END;
