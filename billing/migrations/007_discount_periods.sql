-- A discount counts a billing period once, however many invoices (subscriptions, add-ons) that period has: the
-- boundary of the last period it counted.
ALTER TABLE customer_discounts ADD COLUMN last_period text;
