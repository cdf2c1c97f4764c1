-- config-service: every rendered configuration, immutable and content-addressed.

CREATE TABLE config_versions (
    user_id    UUID        NOT NULL,
    version    BIGINT      NOT NULL,
    sha256     TEXT        NOT NULL,
    bundle     JSONB       NOT NULL,
    cause      TEXT        NOT NULL,
    openclaw_version TEXT  NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, version),
    CONSTRAINT config_versions_content UNIQUE (user_id, sha256)
);

-- Which version each user's instance should run (the newest render, or a rollback target).
CREATE TABLE config_current (
    user_id      UUID PRIMARY KEY,
    version      BIGINT      NOT NULL,
    cause        TEXT        NOT NULL,
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (user_id, version) REFERENCES config_versions (user_id, version)
);

-- Renders that did not validate and were never published, for support.
CREATE TABLE config_rejections (
    id          BIGSERIAL PRIMARY KEY,
    user_id     UUID        NOT NULL,
    cause       TEXT        NOT NULL,
    violations  JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX config_rejections_user ON config_rejections (user_id, created_at DESC);
