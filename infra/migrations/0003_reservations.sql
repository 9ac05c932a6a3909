-- Reservation ids carry their drop (so a reservation's Redis keys can be found from its id alone): orders, whose id
-- is their reservation's, take text ids. Events from JetStream are applied once: their ids are recorded here.
ALTER TABLE orders ALTER COLUMN id TYPE text;
ALTER TABLE orders ADD CONSTRAINT orders_id_format CHECK (id ~ '^rsv_[A-Za-z0-9_-]{43}$');

CREATE TABLE processed_events (
  event_id    text PRIMARY KEY,
  applied_at  timestamptz NOT NULL DEFAULT now()
);

-- The inventory numbers its sold-out and reopened events per drop; the latest one applied decides the status.
ALTER TABLE drops ADD COLUMN availability_seq integer NOT NULL DEFAULT 0;
