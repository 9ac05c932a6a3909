-- Brands, users, drops, orders and the stock ledger. PostgreSQL is the record of truth; Redis mirrors drops.

CREATE TABLE brands (
  id          uuid PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             uuid PRIMARY KEY,
  email          text,
  password_hash  text,
  role           text NOT NULL CHECK (role IN ('shopper', 'brand', 'operator')),
  brand_id       uuid REFERENCES brands (id),
  guest          boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  -- A brand user acts for exactly one brand; nobody else belongs to one.
  CHECK ((role = 'brand') = (brand_id IS NOT NULL)),
  -- A guest is a signed identity only: a shopper with no email or password.
  CHECK (guest = (email IS NULL)),
  CHECK (guest = (password_hash IS NULL)),
  CHECK (NOT guest OR role = 'shopper'),
  CHECK (email IS NULL OR (email = lower(email) AND length(email) BETWEEN 3 AND 254))
);
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email IS NOT NULL;

CREATE TABLE drops (
  id                    uuid PRIMARY KEY,
  brand_id              uuid NOT NULL REFERENCES brands (id),
  title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description           text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
  sku                   text NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
  price_cents           integer NOT NULL CHECK (price_cents >= 0),
  currency              char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  stock                 integer NOT NULL CHECK (stock BETWEEN 1 AND 1000000),
  per_user_limit        integer NOT NULL CHECK (per_user_limit >= 1),
  hold_seconds          integer NOT NULL CHECK (hold_seconds BETWEEN 1 AND 86400),
  admission_per_minute  integer NOT NULL CHECK (admission_per_minute >= 1),
  max_active            integer NOT NULL CHECK (max_active >= 1),
  opens_at              timestamptz NOT NULL,
  closes_at             timestamptz CHECK (closes_at > opens_at),
  status                text NOT NULL DEFAULT 'scheduled'
                          CHECK (status IN ('scheduled', 'open', 'sold_out', 'closed', 'cancelled')),
  -- Incremented on every change, so that the Redis mirror never goes back to an older state.
  version               integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drops_opens_at_idx ON drops (opens_at, id);
CREATE INDEX drops_status_opens_at_idx ON drops (status, opens_at, id);
CREATE INDEX drops_brand_idx ON drops (brand_id);

-- Who changed what on a drop: status transitions and, later, admission settings.
CREATE TABLE drop_audit (
  id          bigserial PRIMARY KEY,
  drop_id     uuid NOT NULL REFERENCES drops (id),
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  field       text NOT NULL,
  from_value  jsonb,
  to_value    jsonb
);
CREATE INDEX drop_audit_drop_idx ON drop_audit (drop_id, id DESC);

-- An order's id is its reservation's id; the workers write it from reservation and payment events.
CREATE TABLE orders (
  id            uuid PRIMARY KEY,
  drop_id       uuid NOT NULL REFERENCES drops (id),
  user_id       uuid NOT NULL REFERENCES users (id),
  quantity      integer NOT NULL CHECK (quantity >= 1),
  amount_cents  bigint NOT NULL CHECK (amount_cents >= 0),
  status        text NOT NULL CHECK (status IN ('held', 'paid', 'expired', 'released')),
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL,
  paid_at       timestamptz,
  ended_at      timestamptz,
  CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_drop_idx ON orders (drop_id, created_at DESC, id DESC);

-- Every change to a drop's stock, one row per event: the sum of a drop's rows is its stock position.
CREATE TABLE stock_ledger (
  id               bigserial PRIMARY KEY,
  drop_id          uuid NOT NULL REFERENCES drops (id),
  event_id         text NOT NULL UNIQUE,
  kind             text NOT NULL CHECK (kind IN ('stocked', 'held', 'released', 'expired', 'sold', 'restocked')),
  delta_available  integer NOT NULL,
  delta_held       integer NOT NULL,
  delta_sold       integer NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  -- A unit moves between available, held and sold; only stocking changes the total.
  CHECK (kind IN ('stocked', 'restocked') OR delta_available + delta_held + delta_sold = 0)
);
CREATE INDEX stock_ledger_drop_idx ON stock_ledger (drop_id, id);
