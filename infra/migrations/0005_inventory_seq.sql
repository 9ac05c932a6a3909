-- The highest change counter (`dropSeq`) of a drop's inventory events applied here. Redis counts every change of a
-- drop's units or holds; a Redis whose counter is behind this one came back older (a restart from an older snapshot,
-- a promoted lagging replica) and is fenced and rebuilt from here. Raised with GREATEST, so events applied twice or
-- out of order leave the same value.
CREATE TABLE inventory_positions (
  drop_id  uuid PRIMARY KEY,
  seq      bigint NOT NULL
);
