-- Issue 4: invoices, their lines, pending invoice items, coupons and discounts, the customer credit balance, credit notes.
-- Money is numeric (exact); the API shows it as decimal strings rounded to the currency's minor unit.

-- Gapless invoice and credit-note numbers per environment: the counter row is locked by the transaction that
-- finalizes, so a rolled-back finalization gives its number back.
CREATE TABLE document_numbers (
  env     text NOT NULL,
  kind    text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  last    int NOT NULL DEFAULT 0,
  PRIMARY KEY (env, kind)
);

CREATE TABLE invoices (
  env              text NOT NULL,
  id               text NOT NULL,
  number           text,
  customer_id      text NOT NULL,
  subscription_id  text,
  billing_reason   text NOT NULL,
  status           text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
  currency         text NOT NULL,
  period_start     timestamptz NOT NULL,
  period_end       timestamptz NOT NULL,
  subtotal         numeric NOT NULL DEFAULT 0,
  discount_total   numeric NOT NULL DEFAULT 0,
  tax_total        numeric NOT NULL DEFAULT 0,
  total            numeric NOT NULL DEFAULT 0,
  credit_applied   numeric NOT NULL DEFAULT 0,
  amount_due       numeric NOT NULL DEFAULT 0,
  amount_paid      numeric NOT NULL DEFAULT 0,
  tax_notes        jsonb NOT NULL DEFAULT '[]',
  -- The customer and the discounts as they were when the invoice was finalized (what the PDF shows).
  customer_details jsonb NOT NULL DEFAULT '{}',
  discounts        jsonb NOT NULL DEFAULT '[]',
  -- The burn state at the start of the next period, for the next close (see invoices/usage-charges.ts).
  closing_ledgers  jsonb,
  -- The plan version that priced the period's usage ({plan, version}): the finalization recounts with it.
  usage_plan       jsonb,
  -- A period invoice is unique per (subscription, period start): the close runs exactly once.
  close_key        text,
  paid_out_of_band boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL,
  finalize_at      timestamptz,
  finalized_at     timestamptz,
  paid_at          timestamptz,
  voided_at        timestamptz,
  marked_uncollectible_at timestamptz,
  version          int NOT NULL DEFAULT 1,
  PRIMARY KEY (env, id),
  UNIQUE (env, close_key),
  UNIQUE (env, number)
);
CREATE INDEX invoices_customer ON invoices (env, customer_id, created_at, id);
CREATE INDEX invoices_subscription ON invoices (env, subscription_id, period_start);

CREATE TABLE invoice_lines (
  env              text NOT NULL,
  invoice_id       text NOT NULL,
  id               text NOT NULL,
  position         int NOT NULL,
  type             text NOT NULL CHECK (type IN ('fixed', 'one_time', 'seats', 'usage', 'proration', 'adjustment')),
  description      text NOT NULL,
  feature          text,
  entity           text,
  plan_id          text,
  quantity         numeric NOT NULL,
  unit_amount      numeric,
  amount           numeric NOT NULL,
  discount_amount  numeric NOT NULL DEFAULT 0,
  tax_rate         numeric,
  tax_amount       numeric NOT NULL DEFAULT 0,
  period_start     timestamptz NOT NULL,
  period_end       timestamptz NOT NULL,
  PRIMARY KEY (env, id),
  FOREIGN KEY (env, invoice_id) REFERENCES invoices (env, id)
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (env, invoice_id, position);

-- A finalized invoice is immutable: only its status moves (open → paid | void | uncollectible) with the payment
-- fields; its lines are frozen.
CREATE FUNCTION lumen_invoice_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN RAISE EXCEPTION 'invoice % is final', OLD.id; END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND (
       NEW.number IS DISTINCT FROM OLD.number OR NEW.customer_id <> OLD.customer_id
    OR NEW.currency <> OLD.currency OR NEW.period_start <> OLD.period_start OR NEW.period_end <> OLD.period_end
    OR NEW.subtotal <> OLD.subtotal OR NEW.discount_total <> OLD.discount_total OR NEW.tax_total <> OLD.tax_total
    OR NEW.total <> OLD.total OR NEW.credit_applied <> OLD.credit_applied OR NEW.amount_due <> OLD.amount_due
    OR NEW.tax_notes <> OLD.tax_notes OR NEW.customer_details <> OLD.customer_details
    OR NEW.discounts <> OLD.discounts OR NEW.finalized_at IS DISTINCT FROM OLD.finalized_at
    OR NEW.status = 'draft') THEN
    RAISE EXCEPTION 'invoice % is final', OLD.id;
  END IF;
  IF OLD.status IN ('paid', 'void') AND NEW.status <> OLD.status THEN
    RAISE EXCEPTION 'invoice % is %', OLD.id, OLD.status;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION lumen_invoice_immutable();

CREATE FUNCTION lumen_invoice_lines_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  invoice_status text;
BEGIN
  SELECT status INTO invoice_status FROM invoices
   WHERE env = COALESCE(NEW.env, OLD.env) AND id = COALESCE(NEW.invoice_id, OLD.invoice_id);
  IF invoice_status IS DISTINCT FROM 'draft' THEN
    RAISE EXCEPTION 'lines of invoice % are final', COALESCE(NEW.invoice_id, OLD.invoice_id);
  END IF;
  RETURN COALESCE(NEW, OLD);
END $$;
CREATE TRIGGER invoice_lines_frozen BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION lumen_invoice_lines_frozen();

-- Charges and credits waiting for the customer's next invoice (prorations with create_prorations, seats removed).
CREATE TABLE pending_invoice_items (
  env              text NOT NULL,
  id               text NOT NULL,
  customer_id      text NOT NULL,
  subscription_id  text,
  type             text NOT NULL,
  description      text NOT NULL,
  feature          text,
  plan_id          text,
  quantity         numeric NOT NULL,
  unit_amount      numeric,
  amount           numeric NOT NULL,
  currency         text NOT NULL,
  period_start     timestamptz NOT NULL,
  period_end       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  invoice_id       text,
  PRIMARY KEY (env, id)
);
CREATE INDEX pending_invoice_items_open ON pending_invoice_items (env, customer_id) WHERE invoice_id IS NULL;

CREATE TABLE coupons (
  env                  text NOT NULL,
  id                   text NOT NULL,
  name                 text,
  percent_off          numeric,
  amount_off           numeric,
  currency             text,
  duration             text NOT NULL CHECK (duration IN ('once', 'repeating', 'forever')),
  duration_in_periods  int,
  applies_to_plans     jsonb,
  created_at           timestamptz NOT NULL,
  archived_at          timestamptz,
  PRIMARY KEY (env, id)
);

-- A coupon applied to a customer; `periods_used` counts the period invoices it discounted.
CREATE TABLE customer_discounts (
  env           text NOT NULL,
  id            text NOT NULL,
  customer_id   text NOT NULL,
  coupon_id     text NOT NULL,
  seq           bigserial,
  periods_used  int NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  PRIMARY KEY (env, id),
  FOREIGN KEY (env, coupon_id) REFERENCES coupons (env, id)
);
CREATE INDEX customer_discounts_customer ON customer_discounts (env, customer_id) WHERE ended_at IS NULL;

-- The customer credit balance as a ledger: entries are never edited, the balance is their sum. A positive
-- amount is money owed to the customer; applying it to an invoice is a negative entry.
CREATE TABLE credit_balance_transactions (
  env             text NOT NULL,
  id              text NOT NULL,
  seq             bigserial,
  customer_id     text NOT NULL,
  type            text NOT NULL CHECK (type IN ('adjustment', 'applied_to_invoice', 'credit_note', 'proration', 'invoice_voided')),
  amount          numeric NOT NULL,
  currency        text NOT NULL,
  description     text,
  invoice_id      text,
  credit_note_id  text,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (env, id)
);
CREATE INDEX credit_balance_customer ON credit_balance_transactions (env, customer_id, seq);
CREATE TRIGGER credit_balance_append_only BEFORE UPDATE OR DELETE ON credit_balance_transactions
  FOR EACH ROW EXECUTE FUNCTION lumen_forbid_change();

CREATE TABLE credit_notes (
  env          text NOT NULL,
  id           text NOT NULL,
  number       text NOT NULL,
  invoice_id   text NOT NULL,
  customer_id  text NOT NULL,
  amount       numeric NOT NULL,
  currency     text NOT NULL,
  reason       text NOT NULL,
  refund       text NOT NULL,
  memo         text,
  status       text NOT NULL DEFAULT 'issued',
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (env, id),
  UNIQUE (env, number),
  FOREIGN KEY (env, invoice_id) REFERENCES invoices (env, id)
);
CREATE INDEX credit_notes_invoice ON credit_notes (env, invoice_id);
CREATE TRIGGER credit_notes_append_only BEFORE UPDATE OR DELETE ON credit_notes
  FOR EACH ROW EXECUTE FUNCTION lumen_forbid_change();

-- Settings of an environment by name (`invoices` here; `tax` comes with issue 5).
CREATE TABLE settings (
  env         text NOT NULL,
  name        text NOT NULL,
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (env, name)
);
