-- Account mail goes through the worker's queue (accounts/mail/queue.py).
--
-- A mail is written in the transaction of the change that causes it and
-- taken by a worker with SELECT ... FOR UPDATE SKIP LOCKED, the row locked
-- while the mail server is talked to. The rendered message carries
-- single-use links: it is sealed with AES-GCM (stores.sealing), bound to the
-- row's id, and the row is deleted once the mail is sent. A mail given up
-- loses its message at once; its recipient, subject and the reason stay a
-- week for the operator.
CREATE TABLE IF NOT EXISTS mail_outbox (
    id                 uuid PRIMARY KEY,
    recipient          text NOT NULL,
    subject            text NOT NULL,
    message_nonce      bytea CHECK (length(message_nonce) = 12),
    message_ciphertext bytea,
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
    attempts           integer NOT NULL DEFAULT 0,
    last_error         text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    CHECK (status = 'failed' OR message_ciphertext IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS mail_outbox_due_idx ON mail_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS mail_outbox_failed_idx ON mail_outbox (finished_at) WHERE status = 'failed';
