-- Entitlement definitions and the feature catalog are pushed to NATS KV after every change (DESIGN step 6).
-- A change writes an outbox row in its own transaction; a publisher drains the rows after commit and on a
-- timer, so a crash between commit and publish only delays the push.
CREATE TABLE definition_outbox (
  env         text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('customer', 'catalog')),
  key         text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (env, kind, key)
);

-- Versions of published definitions: readers ignore anything older than what they hold.
CREATE SEQUENCE definition_version;
