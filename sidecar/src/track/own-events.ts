import { type CatalogDefinition, type PendingUsage, readEvent, type UsageEvent } from "@lumen/core";

/** What an event tracked here adds to the customer's counters, read through the meters as the owner will. */
export function pendingOfEvent(event: UsageEvent, catalog: CatalogDefinition | undefined): PendingUsage[] {
  return readEvent({ event, catalog }).map(({ feature, reading }) => ({
    feature,
    entity: event.entity,
    quantity: reading,
  }));
}
