import type { LumenEnv } from "../events/usage-event";

/**
 * Names of everything the pipeline keeps in NATS, derived from one prefix (`LUMEN_NATS_PREFIX`) so that test
 * runs never collide. Subjects: `<prefix>.events.<env>.<partition>`, `<prefix>.balances.<env>.<customer>`.
 */
export interface PipelineNames {
  prefix: string;
  eventsStream: string;
  eventsSubject(env: LumenEnv, partition: number): string;
  /** Filter of one partition's events across both environments. */
  partitionFilter(partition: number): string;
  balancesSubject(env: LumenEnv, customer: string): string;
  /** Billing announces changed entitlement definitions here (payload: CustomerDefinition). */
  definitionsSubject(env: LumenEnv, customer: string): string;
  /** Requests answered by the owner of a partition (current counters, strict consume). */
  ownerSubject(partition: number, operation: string): string;
  /** Requests any aggregator may answer (ClickHouse reads): a queue group. */
  querySubject(operation: string): string;
  buckets: {
    /** Customer entitlement definitions, key `<env>.<customer token>`, written by billing. */
    definitions: string;
    /** Feature catalog per environment (meters), key `<env>`, written by billing. */
    catalog: string;
    /** Latest usage snapshot per customer, key `<env>.<customer token>`, written by the owner. */
    balances: string;
    /** Partition leases, key `p<partition>`. */
    leases: string;
    /** Live aggregators (entries expire when not refreshed). */
    members: string;
    /** Per partition: the stream sequence applied and the time up to which every event is applied. */
    watermarks: string;
    /** Entity (seat) id → its customer, key `<env>.<entity token>`, written by billing (SDK `userId` lookups). */
    entities: string;
    /** Test clocks' frozen times, key `<clock id>`, written by billing on create and advance. */
    clocks: string;
    /** Reservations held by owners, key `<env>.<reservation id>`. */
    reservations: string;
  };
}

export function pipelineNames(prefix: string): PipelineNames {
  const upper = prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, "_");
  return {
    prefix,
    eventsStream: `${upper}_EVENTS`,
    eventsSubject: (env, partition) => `${prefix}.events.${env}.${partition}`,
    partitionFilter: (partition) => `${prefix}.events.*.${partition}`,
    balancesSubject: (env, customer) => `${prefix}.balances.${env}.${subjectToken(customer)}`,
    definitionsSubject: (env, customer) => `${prefix}.definitions.${env}.${subjectToken(customer)}`,
    ownerSubject: (partition, operation) => `${prefix}.owner.${partition}.${operation}`,
    querySubject: (operation) => `${prefix}.query.${operation}`,
    buckets: {
      definitions: `${upper}_definitions`,
      catalog: `${upper}_catalog`,
      balances: `${upper}_balances`,
      leases: `${upper}_leases`,
      members: `${upper}_members`,
      watermarks: `${upper}_watermarks`,
      entities: `${upper}_entities`,
      clocks: `${upper}_clocks`,
      reservations: `${upper}_reservations`,
    },
  };
}

/**
 * Caller ids may hold characters that NATS subjects and KV keys do not allow ('.', ':', '@'). Each such
 * character becomes `=` and its two hex digits; `=` itself is escaped too, so the mapping is reversible.
 */
export function subjectToken(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 256 ? `=${code.toString(16).padStart(2, "0")}` : `=u${code.toString(16).padStart(4, "0")}`;
  });
}

export function fromSubjectToken(token: string): string {
  return token.replace(/=(u[0-9a-f]{4}|[0-9a-f]{2})/g, (_match, hex: string) =>
    String.fromCharCode(Number.parseInt(hex.startsWith("u") ? hex.slice(1) : hex, 16)),
  );
}

/** KV key of a customer's entries: `<env>.<customer token>`. */
export function customerKey(env: LumenEnv, customer: string): string {
  return `${env}.${subjectToken(customer)}`;
}
