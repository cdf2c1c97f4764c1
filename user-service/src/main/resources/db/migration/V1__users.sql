-- user-service: people, how they sign in, and the keys their tokens are signed with.

CREATE TABLE users (
    id                 UUID PRIMARY KEY,
    phone              TEXT UNIQUE,
    wechat_id          TEXT UNIQUE,
    nickname           TEXT,
    avatar_url         TEXT,
    plan               TEXT        NOT NULL DEFAULT 'free',
    instance_id        UUID,
    instance_status    TEXT,
    instance_status_at TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_can_sign_in CHECK (phone IS NOT NULL OR wechat_id IS NOT NULL)
);

CREATE TABLE credentials (
    user_id       UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash TEXT        NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Refresh tokens are stored as SHA-256 hashes; a family is one login session.
CREATE TABLE refresh_tokens (
    id             UUID PRIMARY KEY,
    user_id        UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id      UUID        NOT NULL,
    token_hash     TEXT        NOT NULL UNIQUE,
    issued_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    used_at        TIMESTAMPTZ,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expired ON refresh_tokens (expires_at);

-- ES256 signing keys; the private half is AES-GCM encrypted (lingxi.crypto).
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    algorithm   TEXT        NOT NULL,
    public_jwk  JSONB       NOT NULL,
    private_key TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    active_from TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ
);
