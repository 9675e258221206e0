import { z } from "zod";

/** `?limit=` (default 20, max 100) and `?startingAfter=<id>` (PRODUCT §1). */
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: z.string().min(1).max(255).optional(),
});

export type ListQuery = z.infer<typeof listQuery>;

export interface ListResult<T> {
  data: T[];
  hasMore: boolean;
}

/** Rows were fetched with `limit + 1`: the extra row only says there are more. */
export function toListResult<Row, T>(rows: Row[], limit: number, map: (row: Row) => T): ListResult<T> {
  return { data: rows.slice(0, limit).map(map), hasMore: rows.length > limit };
}

/** Actions without parameters (`…/archive`, `…/resume`) still refuse unknown fields (PRODUCT §1). */
export const emptyBody = z.strictObject({}).nullish();
