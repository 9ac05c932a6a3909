-- Signed HTTP callbacks to brands. A brand has at most one endpoint; its secret signs every delivery (HMAC-SHA256).
CREATE TABLE webhook_endpoints (
  brand_id    uuid PRIMARY KEY REFERENCES brands (id),
  url         text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  secret      text NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per event and brand: an event seen twice (a redelivery, a process that died after the insert) never
-- makes a second delivery. A delivery is pending until an attempt is answered 2xx (delivered) or its retries run
-- out (failed); every attempt records its answer's status and a short error, never a secret or a body.
CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY,
  brand_id         uuid NOT NULL REFERENCES brands (id),
  event_id         text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
  type             text NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_status      integer,
  last_error       text CHECK (length(last_error) <= 200),
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  next_attempt_at  timestamptz,
  UNIQUE (brand_id, event_id)
);
-- A brand's deliveries, newest first; and the pending ones the sweep hands to the queue again.
CREATE INDEX webhook_deliveries_brand_idx ON webhook_deliveries (brand_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (created_at) WHERE status = 'pending';
