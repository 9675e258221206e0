/** A partition lease as kept in the leases bucket (key `p<N>`). An empty owner: released. */
export interface Lease {
  owner: string;
  /** Wall-clock ms after which others may take the partition. */
  expires: number;
}

export interface OwnershipPlan {
  acquire: number[];
  release: number[];
}

/**
 * Which partitions this aggregator should take or give up: each live member holds at most
 * ceil(partitions / live members). Over the share, it releases its highest partitions; under it, it takes free
 * ones (never leased, released, or expired), in an order of its own so that members rarely race for the same.
 */
export function planOwnership({
  me,
  partitions,
  liveMembers,
  leases,
  owned,
  now,
}: {
  me: string;
  partitions: number;
  /** Live aggregators, this one included. */
  liveMembers: number;
  leases: ReadonlyMap<number, Lease | null>;
  owned: ReadonlySet<number>;
  now: number;
}): OwnershipPlan {
  const share = Math.ceil(partitions / Math.max(1, liveMembers));
  if (owned.size > share) {
    const release = [...owned].sort((a, b) => b - a).slice(0, owned.size - share);
    return { acquire: [], release };
  }
  const free: number[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    if (owned.has(partition)) continue;
    const lease = leases.get(partition) ?? null;
    if (lease === null || lease.owner === "" || lease.expires <= now) free.push(partition);
  }
  free.sort((a, b) => rank(me, a) - rank(me, b) || a - b);
  return { acquire: free.slice(0, share - owned.size), release: [] };
}

function rank(me: string, partition: number): number {
  let hash = 0x811c9dc5;
  const text = `${me}/${partition}`;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
