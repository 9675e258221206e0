-- Foundation: keys, idempotency, catalog, customers, entities, subscriptions, clocks, jobs, history, audit.
-- Every row is scoped by environment; test and live data never mix.

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  env         text NOT NULL CHECK (env IN ('test', 'live')),
  key_hash    text NOT NULL UNIQUE,
  key_prefix  text NOT NULL,
  source      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE idempotency_keys (
  env           text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status_code   int,
  response_body text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  PRIMARY KEY (env, key)
);

CREATE TABLE features (
  env          text NOT NULL,
  id           text NOT NULL,
  name         text NOT NULL,
  type         text NOT NULL,
  definition   jsonb NOT NULL,
  version      int NOT NULL DEFAULT 1,
  archived_at  timestamptz,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (env, id)
);

CREATE TABLE plans (
  env             text NOT NULL,
  id              text NOT NULL,
  latest_version  int NOT NULL,
  archived_at     timestamptz,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (env, id)
);

-- A plan version is immutable: rows are inserted, never updated.
CREATE TABLE plan_versions (
  env         text NOT NULL,
  plan_id     text NOT NULL,
  version     int NOT NULL,
  definition  jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (env, plan_id, version),
  FOREIGN KEY (env, plan_id) REFERENCES plans (env, id)
);

CREATE TABLE plan_migrations (
  id            text PRIMARY KEY,
  env           text NOT NULL,
  plan_id       text NOT NULL,
  from_version  int NOT NULL,
  to_version    int NOT NULL,
  "when"        text NOT NULL,
  migrated      int NOT NULL,
  actor         text NOT NULL,
  created_at    timestamptz NOT NULL
);

CREATE TABLE test_clocks (
  env          text NOT NULL,
  id           text NOT NULL,
  name         text,
  frozen_time  timestamptz NOT NULL,
  created_at   timestamptz NOT NULL,
  deleted_at   timestamptz,
  PRIMARY KEY (env, id)
);

CREATE TABLE customers (
  env            text NOT NULL,
  id             text NOT NULL,
  name           text,
  email          text,
  currency       text,
  address        jsonb,
  tax_ids        jsonb NOT NULL DEFAULT '[]',
  tax_exempt     text NOT NULL DEFAULT 'none',
  test_clock_id  text,
  metadata       jsonb NOT NULL DEFAULT '{}',
  version        int NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  deleted_at     timestamptz,
  PRIMARY KEY (env, id)
);
CREATE INDEX customers_clock ON customers (env, test_clock_id) WHERE test_clock_id IS NOT NULL;

-- Entities (seats and other sub-accounts). Ids are unique within an environment.
CREATE TABLE entities (
  env          text NOT NULL,
  id           text NOT NULL,
  customer_id  text NOT NULL,
  feature      text NOT NULL,
  name         text,
  metadata     jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL,
  deleted_at   timestamptz,
  PRIMARY KEY (env, id)
);
CREATE INDEX entities_customer ON entities (env, customer_id) WHERE deleted_at IS NULL;

CREATE TABLE subscriptions (
  env                   text NOT NULL,
  id                    text NOT NULL,
  customer_id           text NOT NULL,
  plan_id               text NOT NULL,
  plan_version          int NOT NULL,
  plan_group            text,
  add_on                boolean NOT NULL,
  status                text NOT NULL,
  billing_anchor        timestamptz NOT NULL,
  current_period_start  timestamptz NOT NULL,
  current_period_end    timestamptz NOT NULL,
  trial_start           timestamptz,
  trial_end             timestamptz,
  cancel_at_period_end  boolean NOT NULL DEFAULT false,
  canceled_at           timestamptz,
  ended_at              timestamptz,
  scheduled_change      jsonb,
  version               int NOT NULL DEFAULT 1,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  PRIMARY KEY (env, id)
);
-- One trial per customer per plan (PRODUCT §6), whichever subscription carried it.
CREATE TABLE trials (
  env          text NOT NULL,
  customer_id  text NOT NULL,
  plan_id      text NOT NULL,
  started_at   timestamptz NOT NULL,
  PRIMARY KEY (env, customer_id, plan_id)
);

CREATE INDEX subscriptions_customer ON subscriptions (env, customer_id);
CREATE INDEX subscriptions_plan ON subscriptions (env, plan_id, plan_version) WHERE ended_at IS NULL;

-- Due work. A unique key per piece of work makes scheduling idempotent; workers pick rows
-- with FOR UPDATE SKIP LOCKED so two billing processes never run the same job.
CREATE TABLE jobs (
  id           bigserial PRIMARY KEY,
  env          text NOT NULL,
  key          text NOT NULL UNIQUE,
  type         text NOT NULL,
  run_at       timestamptz NOT NULL,
  clock_id     text,
  payload      jsonb NOT NULL DEFAULT '{}',
  status       text NOT NULL DEFAULT 'pending',
  attempts     int NOT NULL DEFAULT 0,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  done_at      timestamptz
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_clock ON jobs (clock_id, run_at) WHERE status = 'pending' AND clock_id IS NOT NULL;

-- Append-only versions of everything that changes: each row holds the object before and after.
CREATE TABLE history (
  id           bigserial PRIMARY KEY,
  env          text NOT NULL,
  customer_id  text,
  object_type  text NOT NULL,
  object_id    text NOT NULL,
  type         text NOT NULL,
  actor        text NOT NULL,
  at           timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  before       jsonb,
  after        jsonb
);
CREATE INDEX history_customer ON history (env, customer_id, at, id);
CREATE INDEX history_object ON history (env, object_type, object_id, at, id);

-- Tamper-evident log of every write: each entry carries the hash of the previous one.
CREATE TABLE audit_log (
  seq         bigserial PRIMARY KEY,
  env         text NOT NULL,
  at          timestamptz NOT NULL,
  key_id      text NOT NULL,
  method      text NOT NULL,
  path        text NOT NULL,
  status      int NOT NULL,
  request_id  text NOT NULL,
  body_hash   text,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX audit_log_env ON audit_log (env, seq);

-- Nothing may rewrite history or the audit log.
CREATE FUNCTION lumen_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history
  FOR EACH ROW EXECUTE FUNCTION lumen_forbid_change();
CREATE TRIGGER plan_versions_append_only BEFORE UPDATE OR DELETE ON plan_versions
  FOR EACH ROW EXECUTE FUNCTION lumen_forbid_change();
