-- The customer's entitlement definition as it was when a period was closed: the finalization counts late events
-- against it, whatever changed since (the subscription ended, its plan changed, a seat left).
ALTER TABLE invoices ADD COLUMN usage_definition jsonb;
