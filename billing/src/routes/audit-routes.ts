import { z } from "zod";
import { listAuditEntries, verifyAuditLog } from "../audit/audit-log";
import type { LumenApp } from "../http/app";

const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: z.coerce.number().int().min(0).optional(),
});

export function registerAuditRoutes(app: LumenApp): void {
  const audit = { tags: ["audit"] };
  app.get("/v1/audit-log", { schema: { ...audit, querystring: auditQuery } }, (req) => {
    const { limit, startingAfter } = auditQuery.parse(req.query ?? {});
    return listAuditEntries(req.ctx.pool, { env: req.ctx.env, limit, startingAfter });
  });
  app.get("/v1/audit-log/verify", { schema: audit }, (req) => verifyAuditLog(req.ctx.pool, req.ctx.env));
}
