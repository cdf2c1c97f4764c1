-- Transactional outbox and consumer deduplication, shared by every service. These migrations
-- keep their own history table (lingxi_events_history) so they never collide with a service's
-- own version numbers.

CREATE TABLE event_outbox (
    seq          BIGSERIAL PRIMARY KEY,
    id           UUID        NOT NULL UNIQUE,
    topic        TEXT        NOT NULL,
    version      INT         NOT NULL,
    event_key    TEXT,
    payload      JSONB       NOT NULL,
    request_id   TEXT,
    occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ
);

CREATE INDEX event_outbox_unpublished ON event_outbox (seq) WHERE published_at IS NULL;
CREATE INDEX event_outbox_published_at ON event_outbox (published_at) WHERE published_at IS NOT NULL;

-- Wakes this schema's relay when a writing transaction commits (NOTIFY is delivered at commit).
CREATE FUNCTION event_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lingxi_outbox_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER event_outbox_inserted AFTER INSERT ON event_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_notify();

CREATE TABLE event_processed (
    consumer_group TEXT        NOT NULL,
    event_id       UUID        NOT NULL,
    processed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);

CREATE INDEX event_processed_at ON event_processed (processed_at);
