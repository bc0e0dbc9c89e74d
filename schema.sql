-- The whole PostgreSQL schema. `flask --app app db init` applies it; every
-- statement is idempotent, so running it twice (or on an older database)
-- only adds what is missing.

-- People ---------------------------------------------------------------
CREATE TABLE IF NOT EXISTS users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name            text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    password_hash   text NOT NULL,
    role            text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'developer', 'admin')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower_key ON users (lower(email));

-- Registered apps (OAuth clients) ----------------------------------------
CREATE TABLE IF NOT EXISTS clients (
    client_id           text PRIMARY KEY,
    owner_id            bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    homepage_url        text NOT NULL DEFAULT '',
    client_type         text NOT NULL CHECK (client_type IN ('confidential', 'public')),
    redirect_uris       text[] NOT NULL DEFAULT '{}',
    scopes              text[] NOT NULL DEFAULT '{}',
    grant_types         text[] NOT NULL DEFAULT '{authorization_code,refresh_token}',
    is_resource_server  boolean NOT NULL DEFAULT false,
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    suspended_reason    text NOT NULL DEFAULT '',
    rate_limit          integer NOT NULL DEFAULT 1000 CHECK (rate_limit > 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS clients_owner_idx ON clients (owner_id);

-- More than one live secret per client, so a secret can be rotated without
-- downtime. Only the SHA-256 digest is kept; `prefix` is what pages show.
CREATE TABLE IF NOT EXISTS client_secrets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    secret_digest   text NOT NULL UNIQUE,
    prefix          text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz
);
CREATE INDEX IF NOT EXISTS client_secrets_client_idx ON client_secrets (client_id);

-- Consent: what a user allowed an app to do. A revoked grant stays for the
-- record; consenting again afterwards makes a new grant (new id), so tokens
-- indexed under the old one can never come back to life.
CREATE TABLE IF NOT EXISTS grants (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id       text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    scopes          text[] NOT NULL,
    granted_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS grants_live_pair_key ON grants (user_id, client_id) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS grants_client_idx ON grants (client_id) WHERE revoked_at IS NULL;

-- Audit trail: who did what, to which app and whose account, and when.
-- client_id is plain text so that rows outlive a deleted app.
CREATE TABLE IF NOT EXISTS audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_label     text NOT NULL DEFAULT '',
    action          text NOT NULL,
    client_id       text,
    subject_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    ip_address      text NOT NULL DEFAULT '',
    details         jsonb NOT NULL DEFAULT '{}'
);
-- Pages read newest first by id (keyset pagination), overall or of one app
-- or one user; the primary key serves the first, these the others.
CREATE INDEX IF NOT EXISTS audit_log_client_id_idx ON audit_log (client_id, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_subject_id_idx ON audit_log (subject_user_id, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_actor_id_idx ON audit_log (actor_id, id DESC);
-- Earlier indexes by time, which no query orders by.
DROP INDEX IF EXISTS audit_log_time_idx;
DROP INDEX IF EXISTS audit_log_client_idx;
DROP INDEX IF EXISTS audit_log_subject_idx;
DROP INDEX IF EXISTS audit_log_actor_idx;

-- The sample protected API ------------------------------------------------
CREATE TABLE IF NOT EXISTS items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS items_user_idx ON items (user_id, id);

CREATE TABLE IF NOT EXISTS subscriptions (
    user_id         bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    plan            text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'team', 'business')),
    started_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS invoices (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount_cents    integer NOT NULL CHECK (amount_cents >= 0),
    currency        text NOT NULL DEFAULT 'EUR',
    status          text NOT NULL DEFAULT 'paid' CHECK (status IN ('open', 'paid', 'void')),
    issued_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS invoices_user_idx ON invoices (user_id, issued_at DESC);

-- User administration (issue 13): a disabled account signs in no more; the
-- last sign-in shows on the admin pages without reading the audit trail.
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled_at timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS last_sign_in_at timestamptz;

-- Two-factor sign-in (issue 13) --------------------------------------------
-- One TOTP secret per user, sealed with AES-GCM (accounts/totp_crypto.py):
-- never in clear. A row with enabled_at NULL is a set-up not yet confirmed
-- with a code. last_step is the RFC 6238 time step of the last code
-- accepted: a code of that step or an earlier one is refused, so each code
-- works once.
CREATE TABLE IF NOT EXISTS user_totp (
    user_id           bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_ciphertext bytea NOT NULL,
    secret_nonce      bytea NOT NULL CHECK (length(secret_nonce) = 12),
    created_at        timestamptz NOT NULL DEFAULT now(),
    enabled_at        timestamptz,
    last_step         bigint NOT NULL DEFAULT 0
);

-- Ten single-use recovery codes per user, as SHA-256 digests.
CREATE TABLE IF NOT EXISTS recovery_codes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_digest     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    used_at         timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS recovery_codes_user_digest_key ON recovery_codes (user_id, code_digest);

-- Email verification and the password lifecycle (issue 13) ----------------
-- email_verified_at: when the person opened a link mailed to `email`; NULL
-- until then. Accounts that existed before verification count as verified:
-- the DEFAULT fills them once, as the column is added, and is then dropped
-- so that each new account says for itself (accounts/users.py create_user).
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_verified_at timestamptz DEFAULT now();
ALTER TABLE users ALTER COLUMN email_verified_at DROP DEFAULT;
-- The password's version: a mailed reset link is bound to it, so any later
-- password change spends the link.
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_changed_at timestamptz NOT NULL DEFAULT now();

-- Limits on the token endpoint (issue 14) ----------------------------------
-- Tokens per second an app may get from the token endpoint, with two
-- seconds' worth at once (oauth/token_limits.py); operators set it per app.
ALTER TABLE clients ADD COLUMN IF NOT EXISTS token_rate integer NOT NULL DEFAULT 10 CHECK (token_rate > 0);

-- Leaked credentials (issue 14) -------------------------------------------
-- When someone reported a client secret leaked (POST /oauth/leaked). The
-- secret keeps working, so that the app does not break without warning;
-- its developer sees the mark on the app page and replaces it.
ALTER TABLE client_secrets ADD COLUMN IF NOT EXISTS leaked_at timestamptz;

-- App verification (issue 15) ---------------------------------------------
-- When the platform vouched for an app (`flask clients verify`, the admin
-- page); NULL: unverified, so consent warns and at most
-- UNVERIFIED_APP_USER_LIMIT people may authorize it. Apps registered before
-- verification existed start unverified: nobody has vouched for them yet,
-- and people who already authorized one keep it (the cap counts only
-- newcomers).
ALTER TABLE clients ADD COLUMN IF NOT EXISTS verified_at timestamptz;

-- OpenID Connect (issue 15) ------------------------------------------------
-- subject: the `sub` of ID tokens and userinfo. Random, so it says nothing
-- about the row's id or the email, and stored rather than derived from a
-- key, so it survives a change of SECRET_KEY: apps link accounts by it for
-- good. Adding the column draws one for every existing row.
ALTER TABLE users ADD COLUMN IF NOT EXISTS subject uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX IF NOT EXISTS users_subject_key ON users (subject);
-- When the name (or email) last changed: userinfo's `updated_at`; NULL
-- means never since the account was made.
ALTER TABLE users ADD COLUMN IF NOT EXISTS profile_updated_at timestamptz;

-- ID-token signing keys (oauth/signing_keys.py). The private key is sealed
-- with AES-GCM under a key derived from SECRET_KEY, bound to its kid: never
-- in clear. The one with retired_at NULL signs; a retired key's public half
-- stays in the JWKS until every ID token it signed has expired.
CREATE TABLE IF NOT EXISTS signing_keys (
    kid                 text PRIMARY KEY,
    alg                 text NOT NULL CHECK (alg IN ('RS256', 'ES256')),
    public_jwk          jsonb NOT NULL,
    private_ciphertext  bytea NOT NULL,
    private_nonce       bytea NOT NULL CHECK (length(private_nonce) = 12),
    created_at          timestamptz NOT NULL DEFAULT now(),
    retired_at          timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS signing_keys_current_key ON signing_keys (alg) WHERE retired_at IS NULL;
