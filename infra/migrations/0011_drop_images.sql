-- A drop's product images, in order (position 0 is the lead image), at most six a drop: positions run 0..5 without
-- gaps and are unique per drop, so a seventh has nowhere to go. The store adds and moves images under a lock on the
-- drop's images (a transaction-scoped advisory lock), which keeps concurrent uploads from racing for a position.
-- The bytes live here; they are served by their SHA-256 (the same bytes uploaded twice are served as one file).
CREATE TABLE drop_images (
  id            uuid PRIMARY KEY,
  drop_id       uuid NOT NULL REFERENCES drops (id),
  position      integer NOT NULL CHECK (position BETWEEN 0 AND 5),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
  width         integer NOT NULL CHECK (width BETWEEN 1 AND 6000),
  height        integer NOT NULL CHECK (height BETWEEN 1 AND 6000),
  alt           text NOT NULL CHECK (length(alt) BETWEEN 1 AND 300),
  bytes         bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- Deferred: a reorder moves several positions in one transaction.
  UNIQUE (drop_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX drop_images_sha256_idx ON drop_images (sha256);
