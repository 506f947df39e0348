-- Billing.Resilience PostgreSQL journal, schema version 2: payment idempotency keys.
-- Every PaymentRequested event (the outbox record written before a payment call) puts its idempotency key here, in
-- the same transaction as the event, so the database itself holds the money invariants: a key is used once, amounts
-- are never negative. An append that breaks them is refused as a whole.

CREATE TABLE __schema__.payment_keys (
    idempotency_key text   NOT NULL PRIMARY KEY CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    global_position bigint NOT NULL UNIQUE REFERENCES __schema__.events (global_position),
    rental          text COLLATE "C" NOT NULL,
    kind            text   NOT NULL CHECK (kind <> ''),
    amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),
    currency        text   NOT NULL CHECK (currency ~ '^[A-Z]{3}$')
);

CREATE INDEX payment_keys_rental ON __schema__.payment_keys (rental);

CREATE FUNCTION __schema__.events_payment_key() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_payment jsonb := convert_from(NEW.payload, 'UTF8')::jsonb;
BEGIN
    IF jsonb_typeof(v_payment) <> 'object' THEN
        RAISE EXCEPTION 'payment_keys: a PaymentRequested payload must be a JSON object' USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO __schema__.payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency)
    VALUES (v_payment ->> 'key', NEW.global_position, NEW.stream_id, v_payment ->> 'kind', (v_payment ->> 'amountMinorUnits')::bigint, v_payment ->> 'currency');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_payment_key
AFTER INSERT ON __schema__.events
FOR EACH ROW WHEN (NEW.event_type = 'PaymentRequested') EXECUTE FUNCTION __schema__.events_payment_key();

CREATE TRIGGER payment_keys_no_change
BEFORE UPDATE OR DELETE ON __schema__.payment_keys
FOR EACH ROW EXECUTE FUNCTION __schema__.refuse_change();

CREATE TRIGGER payment_keys_no_truncate
BEFORE TRUNCATE ON __schema__.payment_keys
FOR EACH STATEMENT EXECUTE FUNCTION __schema__.refuse_change();

-- Journals written with schema version 1 already hold PaymentRequested events: index them too.
INSERT INTO __schema__.payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency)
SELECT p ->> 'key', e.global_position, e.stream_id, p ->> 'kind', (p ->> 'amountMinorUnits')::bigint, p ->> 'currency'
  FROM __schema__.events e
 CROSS JOIN LATERAL (SELECT convert_from(e.payload, 'UTF8')::jsonb) AS j (p)
 WHERE e.event_type = 'PaymentRequested'
 ORDER BY e.global_position;
