/** Query of every list endpoint (PRODUCT §1): `limit` 1–100, `startingAfter` the last item's cursor. */
export interface ListParams<Cursor = string> {
  /** Page size: default 20 (100 for the audit log and history), at most 100. */
  limit?: number;
  /** Answer the items after this one (its id; its `seq` for the audit log). */
  startingAfter?: Cursor;
}

/** One page of a list. */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export type ListPage<T, Cursor = string> = (params: ListParams<Cursor>) => Promise<Page<T>>;

/**
 * Every item of a list, fetching the next page only when the loop reaches it. Items are cursored by their
 * `id` unless `cursorOf` says otherwise; for a number cursor, type the page:
 * `paginate((page: ListParams<number>) => lumen.admin.auditLog.list(page), { cursorOf: (entry) => entry.seq })`.
 *
 * @example for await (const customer of paginate((page) => lumen.admin.customers.list(page))) console.log(customer.id);
 */
export function paginate<T extends { id: string }>(
  listPage: ListPage<T>,
  params?: ListParams,
): AsyncGenerator<T, void, undefined>;
export function paginate<T, Cursor>(
  listPage: ListPage<T, Cursor>,
  params: ListParams<Cursor> & { cursorOf: (item: T) => Cursor },
): AsyncGenerator<T, void, undefined>;
export function paginate<T, Cursor>(
  listPage: ListPage<T, Cursor>,
  params: ListParams<Cursor> & { cursorOf?: (item: T) => Cursor } = {},
): AsyncGenerator<T, void, undefined> {
  const cursorOf = params.cursorOf ?? ((item: T) => (item as { id: Cursor }).id);
  return walk(listPage, { limit: params.limit, startingAfter: params.startingAfter }, cursorOf);
}

async function* walk<T, Cursor>(
  listPage: ListPage<T, Cursor>,
  { limit, startingAfter }: ListParams<Cursor>,
  cursorOf: (item: T) => Cursor,
): AsyncGenerator<T, void, undefined> {
  let cursor = startingAfter;
  for (;;) {
    const page = await listPage({ limit, startingAfter: cursor });
    yield* page.data;
    const last = page.data.at(-1);
    if (!page.hasMore || last === undefined) return;
    cursor = cursorOf(last);
  }
}
