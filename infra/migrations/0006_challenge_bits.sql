-- Operators ask joiners of a drop for a proof of work: the leading zero bits its SHA-256 must have (0: none).
ALTER TABLE drops ADD COLUMN challenge_bits smallint NOT NULL DEFAULT 0
  CHECK (challenge_bits BETWEEN 0 AND 32);
