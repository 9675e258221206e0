import { type ListParams, type Page, paginate } from "./pagination";
import type { RequestOptions, Transport } from "./transport";
import type { AuditEntry, AuditVerification } from "./types";

/** `lumen.admin.auditLog`: every write, with the key that made it, in a hash chain (PRODUCT §11). */
export class AuditLogApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * One page of entries, oldest first; the cursor is an entry's `seq`.
   * @example const { data, hasMore } = await lumen.admin.auditLog.list({ limit: 100 });
   */
  list(params: ListParams<number> = {}, options?: RequestOptions): Promise<Page<AuditEntry>> {
    return this.#transport.request({ method: "GET", path: "/v1/audit-log", query: { ...params }, options });
  }

  /**
   * Every entry, oldest first, fetching pages as the loop goes.
   * @example for await (const entry of lumen.admin.auditLog.listAll()) console.log(entry.method, entry.path);
   */
  listAll(params: ListParams<number> = {}, options?: RequestOptions): AsyncGenerator<AuditEntry, void, undefined> {
    return paginate((page) => this.list(page, options), { ...params, cursorOf: (entry) => entry.seq });
  }

  /**
   * Recomputes the environment's hash chain: `valid` false and `brokenAt` when an entry was altered.
   * @example const { valid, checked } = await lumen.admin.auditLog.verify();
   */
  verify(options?: RequestOptions): Promise<AuditVerification> {
    return this.#transport.request({ method: "GET", path: "/v1/audit-log/verify", options });
  }
}
