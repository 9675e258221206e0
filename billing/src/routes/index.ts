import type { LumenApp } from "../http/app";
import { registerAuditRoutes } from "./audit-routes";
import { registerCatalogRoutes } from "./catalog-routes";
import { registerCheckRoutes } from "./check-routes";
import { registerCouponRoutes } from "./coupon-routes";
import { registerCustomerRoutes } from "./customer-routes";
import { registerGrantRoutes } from "./grant-routes";
import { registerInvoiceRoutes } from "./invoice-routes";
import { registerPaymentRoutes } from "./payment-routes";
import { registerSubscriptionRoutes } from "./subscription-routes";
import { registerTaxRoutes } from "./tax-routes";
import { registerUsageRoutes } from "./usage-routes";

export function registerRoutes(app: LumenApp): void {
  registerCatalogRoutes(app);
  registerCustomerRoutes(app);
  registerSubscriptionRoutes(app);
  registerAuditRoutes(app);
  registerUsageRoutes(app);
  registerGrantRoutes(app);
  registerCheckRoutes(app);
  registerInvoiceRoutes(app);
  registerCouponRoutes(app);
  registerTaxRoutes(app);
  registerPaymentRoutes(app);
}
