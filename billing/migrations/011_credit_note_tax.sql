-- The tax a credit note gives back: its share of the invoice's tax (issue 5's invoices carry tax).
ALTER TABLE credit_notes ADD COLUMN tax_amount numeric NOT NULL DEFAULT 0;
