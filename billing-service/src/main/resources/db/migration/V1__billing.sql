-- billing-service: model-proxy keys, subscriptions, usage records and their daily rollups.

-- One key per OpenClaw instance (instance-service asks for it), bound to a user once the
-- instance is assigned. Secrets are stored only as SHA-256 hashes; a rotated secret keeps
-- working until previous_valid_until.
CREATE TABLE instance_keys (
    id                   UUID PRIMARY KEY,
    instance_id          UUID        NOT NULL,
    user_id              UUID,
    secret_hash          TEXT        NOT NULL UNIQUE,
    previous_hash        TEXT UNIQUE,
    previous_valid_until TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    bound_at             TIMESTAMPTZ,
    rotated_at           TIMESTAMPTZ,
    revoked_at           TIMESTAMPTZ
);

CREATE INDEX instance_keys_instance ON instance_keys (instance_id);
CREATE INDEX instance_keys_user ON instance_keys (user_id);

-- A user's current plan. A user without a row is on the default plan (free).
CREATE TABLE subscriptions (
    user_id    UUID PRIMARY KEY,
    plan       TEXT        NOT NULL,
    since      TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every plan a user has had, newest last.
CREATE TABLE plan_changes (
    id            UUID PRIMARY KEY,
    user_id       UUID        NOT NULL,
    previous_plan TEXT,
    plan          TEXT        NOT NULL,
    reason        TEXT,
    changed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX plan_changes_user ON plan_changes (user_id, changed_at);

-- One row per model call the proxy forwarded (product spec columns first). request_id is
-- unique: replaying the usage journal after a crash never records a call twice.
CREATE TABLE usage_logs (
    id              UUID PRIMARY KEY,
    user_id         UUID        NOT NULL,
    agent_id        TEXT,
    message_count   INT         NOT NULL,
    input_tokens    BIGINT      NOT NULL,
    output_tokens   BIGINT      NOT NULL,
    model           TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    request_id      TEXT        NOT NULL UNIQUE,
    instance_id     UUID        NOT NULL,
    key_id          UUID        NOT NULL,
    requested_model TEXT        NOT NULL,
    upstream        TEXT        NOT NULL,
    upstream_model  TEXT        NOT NULL,
    cached_tokens   BIGINT      NOT NULL DEFAULT 0,
    usage_source    TEXT        NOT NULL,
    metered         BOOLEAN     NOT NULL,
    stream          BOOLEAN     NOT NULL,
    status          TEXT        NOT NULL,
    http_status     INT         NOT NULL,
    ttfb_ms         INT,
    latency_ms      INT         NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX usage_logs_user_created ON usage_logs (user_id, created_at);

-- Per user, day (in the billing time zone), agent ('' when unknown) and model: maintained in
-- the same transaction as the usage_logs rows, so the usage API never scans raw logs.
-- quota_tokens counts what was charged to the monthly allowance (fallback calls are not).
CREATE TABLE usage_daily (
    user_id       UUID   NOT NULL,
    day           DATE   NOT NULL,
    agent_id      TEXT   NOT NULL,
    model         TEXT   NOT NULL,
    requests      BIGINT NOT NULL,
    input_tokens  BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cached_tokens BIGINT NOT NULL,
    quota_tokens  BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, agent_id, model)
);

-- quota.exhausted is announced once per user and period.
CREATE TABLE quota_notices (
    user_id     UUID        NOT NULL,
    period      TEXT        NOT NULL,
    notified_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, period)
);
