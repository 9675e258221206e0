-- Payments (PRODUCT §13, issue 6).

-- A customer at the payment provider, and the payment method it saved through checkout.
CREATE TABLE payment_customers (
  env                   text NOT NULL,
  customer_id           text NOT NULL,
  provider              text NOT NULL,
  provider_customer_id  text NOT NULL,
  payment_method        text,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  PRIMARY KEY (env, customer_id, provider)
);

-- A hosted checkout collecting a payment method, and the attach it completes.
CREATE TABLE checkouts (
  env              text NOT NULL,
  id               text NOT NULL,
  customer_id      text NOT NULL,
  provider         text NOT NULL,
  session_id       text NOT NULL,
  url              text,
  status           text NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
  attach           jsonb NOT NULL,
  -- The pending subscription the attach creates (null when it changes an existing one).
  subscription_id  text,
  created_at       timestamptz NOT NULL,
  completed_at     timestamptz,
  PRIMARY KEY (env, id)
);
CREATE UNIQUE INDEX checkouts_session ON checkouts (provider, session_id);

-- One attempt to collect an invoice. The idempotency key is the invoice and the attempt number: an attempt retried
-- after a crash asks the provider with the same key and can never charge twice.
CREATE TABLE payments (
  env                  text NOT NULL,
  id                   text NOT NULL,
  invoice_id           text NOT NULL,
  customer_id          text NOT NULL,
  provider             text NOT NULL,
  attempt              int NOT NULL,
  amount               numeric NOT NULL,
  currency             text NOT NULL,
  status               text NOT NULL CHECK (status IN ('pending', 'processing', 'succeeded', 'failed')),
  provider_payment_id  text,
  idempotency_key      text NOT NULL,
  failure_code         text,
  failure_message      text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  PRIMARY KEY (env, id),
  UNIQUE (env, invoice_id, attempt)
);
CREATE INDEX payments_provider_id ON payments (provider, provider_payment_id);

-- A refund through the provider, for a credit note with `refund: "provider"`.
CREATE TABLE refunds (
  env                 text NOT NULL,
  id                  text NOT NULL,
  credit_note_id      text NOT NULL,
  payment_id          text NOT NULL,
  amount              numeric NOT NULL,
  currency            text NOT NULL,
  status              text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  provider_refund_id  text,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (env, id),
  UNIQUE (env, credit_note_id)
);

-- Webhooks handled, once each per provider event id.
CREATE TABLE provider_events (
  provider     text NOT NULL,
  event_id     text NOT NULL,
  type         text NOT NULL,
  received_at  timestamptz NOT NULL,
  PRIMARY KEY (provider, event_id)
);
