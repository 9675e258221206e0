-- Grants and overrides (PRODUCT §10), and the side buckets billing keeps in NATS KV (entities, test clocks).

-- Units of one feature given to one customer. A grant is never deleted: voiding stamps `voided_at`.
CREATE TABLE grants (
  env          text NOT NULL,
  id           text NOT NULL,
  customer_id  text NOT NULL,
  feature      text NOT NULL,
  -- A JSON number on the wire (usage may be fractional); numeric keeps it exact here.
  amount       numeric NOT NULL CHECK (amount > 0),
  priority     int NOT NULL DEFAULT 0,
  expires_at   timestamptz,
  reason       text,
  created_at   timestamptz NOT NULL,
  voided_at    timestamptz,
  -- Creation order among grants made at one instant (a test clock stands still): lists are stable.
  seq          bigserial NOT NULL,
  PRIMARY KEY (env, id)
);
CREATE INDEX grants_customer ON grants (env, customer_id, created_at, seq);

-- One per customer and feature; a change replaces it (its versions are in history).
CREATE TABLE overrides (
  env          text NOT NULL,
  customer_id  text NOT NULL,
  feature      text NOT NULL,
  enabled      boolean NOT NULL,
  -- A number or "unlimited"; null keeps the allowance of the plans in force.
  included     jsonb CHECK (included IS NULL OR jsonb_typeof(included) = 'number' OR included = '"unlimited"'),
  expires_at   timestamptz,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (env, customer_id, feature)
);

-- The outbox also carries the side buckets: an entity's customer (key: entity id) and a test clock's time
-- (key: clock id). The publisher reads the current row, so a put or a delete is always the latest state.
ALTER TABLE definition_outbox DROP CONSTRAINT definition_outbox_kind_check;
ALTER TABLE definition_outbox ADD CONSTRAINT definition_outbox_kind_check
  CHECK (kind IN ('customer', 'catalog', 'entity', 'clock'));
