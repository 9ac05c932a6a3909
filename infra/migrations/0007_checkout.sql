-- Checkout details. A drop says how it reaches the buyer (`fulfilment`): shipped drops need a shipping address.
ALTER TABLE drops ADD COLUMN fulfilment text NOT NULL DEFAULT 'shipped'
  CHECK (fulfilment IN ('shipped', 'pickup', 'digital'));

-- What a checkout records beside its payments, before the card is touched: the order's short number (shown to
-- people; Crockford base32, unique) and the buyer's details. A hold paid again with other details keeps its number;
-- the details of the payment decided for capture are written last. The receipt mail is claimed (claimed_at, a lease
-- that a crashed sender's successor may take over) and recorded as sent, once per order.
CREATE TABLE order_details (
  reservation_id      text PRIMARY KEY CHECK (reservation_id ~ '^rsv_[A-Za-z0-9_-]{43}$'),
  number              text NOT NULL UNIQUE CHECK (number ~ '^DL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$'),
  buyer_name          text NOT NULL CHECK (length(buyer_name) BETWEEN 1 AND 200),
  buyer_email         text NOT NULL CHECK (length(buyer_email) BETWEEN 3 AND 320),
  shipping_address    jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  receipt_claimed_at  timestamptz,
  receipt_sent_at     timestamptz
);
