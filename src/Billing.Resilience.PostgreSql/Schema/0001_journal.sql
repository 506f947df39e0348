-- Billing.Resilience PostgreSQL journal, schema version 1: the events.
-- Applied once, in a transaction, under an advisory lock, by the first journal that opens the database; recorded in
-- __schema__.schema_version. __schema__ and __append_lock__ are filled in by the journal (the schema name and the key of
-- its append lock). Never edit a script that has shipped: add the next number instead.

-- One row per event. global_position comes from an identity whose values are drawn under the append lock (below), so
-- positions are in commit order. CACHE 1: a session must never pre-allocate positions.
CREATE TABLE __schema__.events (
    global_position bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
    stream_id       text COLLATE "C" NOT NULL CHECK (char_length(stream_id) BETWEEN 1 AND 200),
    stream_version  bigint NOT NULL CHECK (stream_version >= 1),
    event_id        uuid   NOT NULL,
    event_type      text   NOT NULL CHECK (event_type <> ''),
    payload         bytea  NOT NULL CHECK (octet_length(payload) <= 1048576),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version),
    CONSTRAINT events_event_id_unique UNIQUE (event_id)
);

-- Ordering: every insert into events, by the journal or anyone else, first takes the transaction-scoped append lock,
-- before any position is drawn, and keeps it until it commits or rolls back. PostgreSQL makes a transaction visible
-- before it releases its locks, so a transaction that drew larger positions becomes visible after every transaction
-- that drew smaller ones: a reader never sees position n+1 without position n (or its gap) already settled, and
-- "read everything after checkpoint X" never skips a late commit.
CREATE FUNCTION __schema__.events_take_append_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(__append_lock__);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_append_lock
BEFORE INSERT ON __schema__.events
FOR EACH STATEMENT EXECUTE FUNCTION __schema__.events_take_append_lock();

-- A stream has no gaps: each event is the one right after the stream's last.
CREATE FUNCTION __schema__.events_check_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stream_version <> coalesce((SELECT max(e.stream_version) FROM __schema__.events e WHERE e.stream_id = NEW.stream_id), 0) + 1 THEN
        RAISE EXCEPTION 'events: version % of stream "%" does not follow the stream''s last version', NEW.stream_version, NEW.stream_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER events_versions_contiguous
BEFORE INSERT ON __schema__.events
FOR EACH ROW EXECUTE FUNCTION __schema__.events_check_version();

-- The journal is append-only.
CREATE FUNCTION __schema__.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: the journal is append-only (no %)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER events_no_change
BEFORE UPDATE OR DELETE ON __schema__.events
FOR EACH ROW EXECUTE FUNCTION __schema__.refuse_change();

CREATE TRIGGER events_no_truncate
BEFORE TRUNCATE ON __schema__.events
FOR EACH STATEMENT EXECUTE FUNCTION __schema__.refuse_change();

-- One append, in one round trip: the same rules as the in-memory reference journal.
-- p_expected: the expected version, or -1 for "any". Returns out_status 0 (appended), 1 (idempotent replay: the same
-- events are already stored right after p_expected; nothing written) or 2 (conflict: out_version is the actual version).
CREATE FUNCTION __schema__.append_events(
    p_stream_id text, p_expected bigint, p_event_ids uuid[], p_event_types text[], p_payloads bytea[],
    OUT out_status smallint, OUT out_version bigint, OUT out_position bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_count  bigint := cardinality(p_event_ids);
    v_actual bigint;
    v_stored uuid[];
BEGIN
    IF current_setting('synchronous_commit') = 'off' THEN
        RAISE EXCEPTION 'The journal does not append with synchronous_commit = off: an acknowledged append could be lost in a crash.'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    PERFORM pg_advisory_xact_lock(__append_lock__);
    SELECT coalesce(max(e.stream_version), 0) INTO v_actual FROM __schema__.events e WHERE e.stream_id = p_stream_id;

    IF p_expected >= 0 AND p_expected <> v_actual THEN
        IF p_expected + v_count <= v_actual THEN
            SELECT array_agg(e.event_id ORDER BY e.stream_version), max(e.global_position)
              INTO v_stored, out_position
              FROM __schema__.events e
             WHERE e.stream_id = p_stream_id AND e.stream_version > p_expected AND e.stream_version <= p_expected + v_count;
            IF v_stored = p_event_ids THEN
                out_status := 1;
                out_version := p_expected + v_count;
                RETURN;
            END IF;
        END IF;

        out_status := 2;
        out_version := v_actual;
        out_position := NULL;
        RETURN;
    END IF;

    WITH inserted AS (
        INSERT INTO __schema__.events (stream_id, stream_version, event_id, event_type, payload)
        SELECT p_stream_id, v_actual + t.ordinality, t.event_id, t.event_type, t.payload
          FROM unnest(p_event_ids, p_event_types, p_payloads) WITH ORDINALITY AS t (event_id, event_type, payload, ordinality)
         ORDER BY t.ordinality
        RETURNING global_position)
    SELECT max(i.global_position) INTO out_position FROM inserted i;
    out_status := 0;
    out_version := v_actual + v_count;
END
$$;
