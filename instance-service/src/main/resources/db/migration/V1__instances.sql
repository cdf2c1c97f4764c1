-- instance-service: every OpenClaw gateway the platform runs, and what happened to it.

CREATE TABLE instances (
    id                     UUID PRIMARY KEY,
    -- Set while assigned; unique, so a user never has two instances and two users never share one.
    user_id                UUID UNIQUE,
    state                  TEXT        NOT NULL,
    runtime                TEXT        NOT NULL,
    endpoint               TEXT,
    gateway_token          TEXT        NOT NULL,   -- AES-GCM (lingxi.crypto), never shown to users
    model_key_id           UUID,
    model_key              TEXT,                   -- AES-GCM
    applied_config_version BIGINT,
    applied_config_sha     TEXT,
    gateway_config_hash    TEXT,                   -- OpenClaw's baseHash after our last write
    plan                   TEXT,
    resources              JSONB       NOT NULL DEFAULT '{}',
    runtime_ref            JSONB       NOT NULL DEFAULT '{}',
    warmed                 BOOLEAN     NOT NULL DEFAULT false,
    restarts               INT         NOT NULL DEFAULT 0,
    last_activity_at       TIMESTAMPTZ,
    error                  TEXT,
    config_error           TEXT,
    former_user_id         UUID,
    queued_at              TIMESTAMPTZ,
    state_changed_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX instances_pool ON instances (created_at) WHERE state = 'WARM' AND user_id IS NULL;
CREATE INDEX instances_state ON instances (state);

CREATE TABLE instance_events (
    id          BIGSERIAL PRIMARY KEY,
    instance_id UUID        NOT NULL,
    user_id     UUID,
    state       TEXT        NOT NULL,
    step        TEXT        NOT NULL,
    detail      TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX instance_events_instance ON instance_events (instance_id, id);
CREATE INDEX instance_events_user ON instance_events (user_id, id);

-- Sign-ups waiting for capacity (no warm gateway and no room to start one).
CREATE TABLE assignment_queue (
    user_id    UUID PRIMARY KEY,
    plan       TEXT        NOT NULL,
    queued_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE conversations (
    id              UUID PRIMARY KEY,
    user_id         UUID        NOT NULL,
    agent_id        TEXT        NOT NULL,
    title           TEXT        NOT NULL,
    message_count   INT         NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_message_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX conversations_user ON conversations (user_id, last_message_at DESC);

CREATE TABLE conversation_messages (
    conversation_id UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INT         NOT NULL,
    role            TEXT        NOT NULL,
    content         TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq)
);
