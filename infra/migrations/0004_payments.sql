-- Payments: every card authorization, recorded before the card is touched, so that each one ends captured or voided
-- whatever crashes, times out or retries (workers/checkout/checkout.ts and settle.ts). `id` is the idempotency key
-- given to the provider on authorize, capture and void. `ending` is decided (once, here) before capture or void is
-- asked of the provider; a settle job carries out any decision a crashed process left unfinished.
CREATE TABLE payments (
  id              uuid PRIMARY KEY,
  reservation_id  text NOT NULL CHECK (reservation_id ~ '^rsv_[A-Za-z0-9_-]{43}$'),
  drop_id         uuid NOT NULL,
  -- Guests are not in users until their first event is applied: no foreign key.
  shopper_id      uuid NOT NULL,
  amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
  state           text NOT NULL CHECK (state IN ('authorizing', 'authorized', 'captured', 'voided', 'declined')),
  ending          text CHECK (ending IN ('capture', 'void')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (state <> 'captured' OR ending = 'capture'),
  CHECK (state <> 'voided' OR ending = 'void'),
  CHECK (state <> 'declined' OR ending IS NULL)
);
-- At most one authorization of a reservation is ever captured.
CREATE UNIQUE INDEX payments_one_capture_idx ON payments (reservation_id) WHERE ending = 'capture';
CREATE INDEX payments_reservation_idx ON payments (reservation_id, created_at, id);
CREATE INDEX payments_open_idx ON payments (created_at) WHERE state IN ('authorizing', 'authorized');

-- The test provider's ledger: what it was asked, one row per idempotency key and operation, readable by any process.
CREATE TABLE test_provider_ledger (
  idempotency_key  uuid NOT NULL,
  operation        text NOT NULL CHECK (operation IN ('authorize', 'capture', 'void')),
  reference        text NOT NULL,
  amount_cents     bigint NOT NULL,
  approved         boolean NOT NULL DEFAULT true,
  at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (idempotency_key, operation)
);
