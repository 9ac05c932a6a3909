-- A drop is released by one or more brands: the lead (drops.brand_id, who changes and runs the drop) and its
-- partners, each with a whole-percent share of the takings. The shares of a drop add up to 100; the store writes a
-- drop's brands in the transaction that writes the drop, and checks the sum and the lead there.
CREATE TABLE drop_brands (
  drop_id        uuid NOT NULL REFERENCES drops (id),
  brand_id       uuid NOT NULL REFERENCES brands (id),
  share_percent  integer NOT NULL CHECK (share_percent BETWEEN 1 AND 100),
  lead           boolean NOT NULL DEFAULT false,
  PRIMARY KEY (drop_id, brand_id)
);
CREATE UNIQUE INDEX drop_brands_one_lead_idx ON drop_brands (drop_id) WHERE lead;
CREATE INDEX drop_brands_brand_idx ON drop_brands (brand_id);

-- Every drop so far is its brand's alone.
INSERT INTO drop_brands (drop_id, brand_id, share_percent, lead)
SELECT id, brand_id, 100, true FROM drops;
