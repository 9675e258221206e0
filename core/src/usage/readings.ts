import type { PropertyValue, UsageEvent } from "../events/usage-event";
import type { CatalogDefinition, MeterAggregation, MeterDefinition } from "../pipeline/definitions";

/** What one event contributes to one feature's counter. */
export interface FeatureReading {
  feature: string;
  /** Added for count and sum, compared for max, kept for latest. 0 for unique_count. */
  reading: number;
  /** unique_count only: the distinct value the event adds (type-tagged, so "1" and 1 differ); else null. */
  token: string | null;
}

type MeteredEvent = Pick<UsageEvent, "feature" | "event" | "value" | "properties">;

/**
 * Which counters an event touches (PRODUCT §2), and by how much.
 *
 * - By `feature` id: that feature, reading the event's `value` (so a consume of 3 is 3 uses and a negative value
 *   corrects usage, whatever the meter's aggregation; unique_count reads the meter's property, else the value).
 *   A feature the catalog does not know yet is still counted, as a sum.
 * - By `event` name: every feature whose meter names that event and whose filter keeps it. `count` adds 1 per
 *   event whatever its value (a count meter is corrected by tracking the feature id with a negative value);
 *   `sum`, `max` and `latest` read the meter's `property` (the event is skipped when it is not a number), or the
 *   value when the meter names none; `unique_count` reads the property's value (skipped when absent or null).
 */
export function readEvent({
  event,
  catalog,
}: {
  event: MeteredEvent;
  catalog: CatalogDefinition | undefined;
}): FeatureReading[] {
  if (event.feature !== null) {
    const meter = catalog?.features[event.feature]?.meter ?? null;
    if (meter?.aggregation === "unique_count") {
      const token = tokenOf(meter.property === undefined ? event.value : event.properties?.[meter.property]);
      return token === null ? [] : [{ feature: event.feature, reading: 0, token }];
    }
    return [{ feature: event.feature, reading: event.value, token: null }];
  }
  if (event.event === null || catalog === undefined) return [];
  const readings: FeatureReading[] = [];
  for (const feature of metersOf(catalog).get(event.event) ?? []) {
    const reading = readMeter(feature.meter, event);
    if (reading) readings.push({ feature: feature.id, ...reading });
  }
  return readings;
}

/** The aggregation a feature's counter reports: its meter's, else `sum` (features tracked by id). */
export function aggregationOf(catalog: CatalogDefinition | undefined, feature: string): MeterAggregation {
  return catalog?.features[feature]?.meter?.aggregation ?? "sum";
}

/** A property value as a unique_count token; null for absent or null values. */
export function tokenOf(value: PropertyValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return `n:${Object.is(value, -0) ? 0 : value}`;
  return typeof value === "string" ? `s:${value}` : `b:${value}`;
}

export function filterKeeps(filter: MeterDefinition["filter"], properties: MeteredEvent["properties"]): boolean {
  if (!filter) return true;
  for (const [property, allowed] of Object.entries(filter)) {
    const value = properties?.[property];
    if (value === undefined || value === null || !allowed.includes(value)) return false;
  }
  return true;
}

function readMeter(meter: MeterDefinition, event: MeteredEvent): Omit<FeatureReading, "feature"> | null {
  if (!filterKeeps(meter.filter, event.properties)) return null;
  if (meter.aggregation === "count") return { reading: 1, token: null };
  if (meter.aggregation === "unique_count") {
    const token = tokenOf(meter.property === undefined ? event.value : event.properties?.[meter.property]);
    return token === null ? null : { reading: 0, token };
  }
  if (meter.property === undefined) return { reading: event.value, token: null };
  const value = event.properties?.[meter.property];
  return typeof value === "number" && Number.isFinite(value) ? { reading: value, token: null } : null;
}

interface MeteredFeature {
  id: string;
  meter: MeterDefinition;
}

// Index of meters by event name, built once per catalog object (catalogs are replaced, never mutated).
const meterIndex = new WeakMap<CatalogDefinition, Map<string, MeteredFeature[]>>();

function metersOf(catalog: CatalogDefinition): Map<string, MeteredFeature[]> {
  let index = meterIndex.get(catalog);
  if (!index) {
    index = new Map();
    for (const id of Object.keys(catalog.features).sort()) {
      const meter = catalog.features[id]?.meter;
      if (!meter) continue;
      const list = index.get(meter.event) ?? [];
      list.push({ id, meter });
      index.set(meter.event, list);
    }
    meterIndex.set(catalog, index);
  }
  return index;
}
