-- When the subscription's current plan took effect: feature trials (`trialDays` on a plan item) count from
-- here, so that a plan change starts the new plan's feature trials.
ALTER TABLE subscriptions ADD COLUMN plan_started_at timestamptz;
UPDATE subscriptions SET plan_started_at = created_at;
ALTER TABLE subscriptions ALTER COLUMN plan_started_at SET NOT NULL;
