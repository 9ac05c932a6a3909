-- A guest who signs up or signs in keeps what it earned: its orders and payments move to the account, and the
-- merge is recorded, so that an event of the guest still on its way (an outbox entry written before the merge) is
-- applied to the account too. A guest merges into one account.
CREATE TABLE guest_merges (
  guest_id    uuid PRIMARY KEY REFERENCES users (id),
  account_id  uuid NOT NULL REFERENCES users (id),
  merged_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (guest_id <> account_id)
);
CREATE INDEX guest_merges_account_idx ON guest_merges (account_id);
