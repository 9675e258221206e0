export type { Admin } from "./admin";
export type { AuditLogApi } from "./admin-audit";
export type { FeaturesApi, PlansApi } from "./admin-catalog";
export type {
  AdjustCreditBalanceParams,
  ApplyDiscountParams,
  Coupon,
  CouponDuration,
  CouponsApi,
  CreateCouponParams,
  CreditBalance,
  CreditBalanceApi,
  CreditBalanceTransaction,
  CreditBalanceTransactionType,
  Discount,
  DiscountsApi,
} from "./admin-coupons";
export type { CustomersApi, EntitiesApi } from "./admin-customers";
export type { GrantsApi, OverridesApi } from "./admin-grants";
export type {
  CreateCreditNoteParams,
  CreditNote,
  CreditNotesApi,
  Invoice,
  InvoiceLine,
  InvoiceLineType,
  InvoiceSettings,
  InvoiceSettingsParams,
  InvoiceStatus,
  InvoicesApi,
  ListInvoicesParams,
  Payment,
  PaymentSettings,
  PaymentSettingsParams,
  PaymentStatus,
  SettingsApi,
  TaxBehavior,
  UpcomingInvoice,
} from "./admin-invoices";
export type { SubscriptionsApi, TestClocksApi } from "./admin-subscriptions";
export type {
  CreateTaxRateParams,
  TaxMode,
  TaxRate,
  TaxRatesApi,
  TaxSettings,
  TaxSettingsParams,
  UpdateTaxRateParams,
} from "./admin-tax";
export type {
  BatchResult,
  CustomerUsage,
  EventsApi,
  FeatureUsage,
  StoredEvent,
  TrackParams,
  TrackResult,
  UsageApi,
  UsageTimeseries,
} from "./admin-usage";
export { DEFAULT_API_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, Lumen, type LumenOptions } from "./client";
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetail,
  isErrorCode,
  LumenConnectionError,
  LumenError,
  type LumenErrorCode,
} from "./errors";
export { type ListPage, type ListParams, type Page, paginate } from "./pagination";
export {
  DEFAULT_SIDECAR_MAX_RETRIES,
  DEFAULT_SIDECAR_TIMEOUT_MS,
  DEFAULT_SIDECAR_URL,
} from "./sidecar";
export type { EmbeddedSidecar, EmbeddedSidecarOptions } from "./sidecar-embedded";
export {
  createHttpSidecarTransport,
  type SidecarTransport,
  type SidecarTransportRequest,
  type SidecarTransportResponse,
} from "./sidecar-transport";
export type {
  CheckParams,
  CheckReason,
  CheckResponse,
  CommittedReservation,
  ConsumeParams,
  DropReason,
  FallbackReason,
  ReleasedReservation,
  Reservation,
  ReservationStatus,
  ReserveParams,
  SidecarCallOptions,
  SidecarFeatureUsage,
  SidecarUnavailablePolicy,
  SidecarUsage,
  Subject,
  TrackDrop,
  TrackEvent,
  TrackStats,
} from "./sidecar-types";
export { TRACK_DEFAULTS, type TrackOptions } from "./track-buffer";
export type { FetchLike, RequestOptions } from "./transport";
export type * from "./types";
