-- Custom tax rates (PRODUCT §8): a percentage for a country outside the EU, or for one state of it. A rate is never
-- deleted, only archived; at most one live rate per place.
CREATE TABLE tax_rates (
  env          text NOT NULL,
  id           text NOT NULL,
  name         text NOT NULL,
  country      text NOT NULL,
  state        text,
  percentage   numeric NOT NULL CHECK (percentage >= 0 AND percentage <= 100),
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  archived_at  timestamptz,
  PRIMARY KEY (env, id)
);
CREATE UNIQUE INDEX tax_rates_place ON tax_rates (env, country, coalesce(state, '')) WHERE archived_at IS NULL;

-- Whether the invoice's amounts include its tax (`pricesIncludeTax` when it was finalized).
ALTER TABLE invoices ADD COLUMN tax_behavior text NOT NULL DEFAULT 'exclusive'
  CHECK (tax_behavior IN ('exclusive', 'inclusive'));

-- The immutability of 005, with the tax behaviour frozen too.
CREATE OR REPLACE FUNCTION lumen_invoice_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
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
    OR NEW.tax_behavior <> OLD.tax_behavior OR NEW.status = 'draft') THEN
    RAISE EXCEPTION 'invoice % is final', OLD.id;
  END IF;
  IF OLD.status IN ('paid', 'void') AND NEW.status <> OLD.status THEN
    RAISE EXCEPTION 'invoice % is %', OLD.id, OLD.status;
  END IF;
  RETURN NEW;
END $$;
