-- Fulfilment: a paid order marked shipped by its drop's lead brand or an operator, with an optional tracking
-- reference. One row per order; marking it again is idempotent: the same (or no) tracking changes nothing, a new
-- tracking replaces the old one and records who gave it and when (updated_at), while shipped_at stays the first
-- marking's, the date the shopper was shown. Only paid orders are shipped (the store inserts from a paid order
-- only, and an order never leaves `paid`).
CREATE TABLE order_shipments (
  order_id    text PRIMARY KEY REFERENCES orders (id),
  shipped_at  timestamptz NOT NULL DEFAULT now(),
  tracking    text CHECK (char_length(tracking) BETWEEN 1 AND 100),
  actor       uuid NOT NULL REFERENCES users (id),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A drop's orders filtered by status, newest first (the dashboard's filter and its keyset paging).
CREATE INDEX orders_drop_status_idx ON orders (drop_id, status, created_at DESC, id DESC);
