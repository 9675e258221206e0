import { FINALIZE_JOB } from "../invoices/close-period";
import { runFinalizeJob } from "../invoices/invoice-actions";
import { ITEM_CYCLE_JOB, runItemCycleJob } from "../invoices/item-cycles";
import { CHECKOUT_RECONCILE_JOB, runCheckoutReconcileJob } from "../payments/checkout";
import {
  CHARGE_JOB,
  COLLECT_JOB,
  PAYMENT_RECONCILE_JOB,
  runChargeJob,
  runCollectJob,
  runPaymentReconcileJob,
} from "../payments/collect-invoice";
import { RENEWAL_JOB, runRenewalJob } from "../subscriptions/renewal-job";
import type { JobHandler } from "./run-due-jobs";

/** Every kind of due work billing runs, by job type. */
export const jobHandlers: Record<string, JobHandler> = {
  [RENEWAL_JOB]: runRenewalJob,
  [FINALIZE_JOB]: runFinalizeJob,
  [ITEM_CYCLE_JOB]: runItemCycleJob,
  [COLLECT_JOB]: runCollectJob,
  [CHARGE_JOB]: runChargeJob,
  [PAYMENT_RECONCILE_JOB]: runPaymentReconcileJob,
  [CHECKOUT_RECONCILE_JOB]: runCheckoutReconcileJob,
};
