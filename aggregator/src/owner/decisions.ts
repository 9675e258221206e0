import { LRUCache } from "lru-cache";

/**
 * Recent answers of an owner, as promises (a retry that arrives while the first is still being recorded waits for
 * it): a retry with the same event id, idempotency key or reservation id gets the first answer and is never
 * recorded twice. A failed answer is forgotten, so that its retry is decided again.
 */
export class Decisions {
  private readonly answers: LRUCache<string, Promise<unknown>>;

  constructor(max: number) {
    this.answers = new LRUCache({ max });
  }

  get<T>(key: string): Promise<T> | undefined {
    return this.answers.get(key) as Promise<T> | undefined;
  }

  /** The first answer under `key`, deciding it with `decide` only when there is none. */
  once<T>(key: string, decide: () => Promise<T>): Promise<T> {
    return this.get<T>(key) ?? this.remember(key, decide());
  }

  remember<T>(key: string, answer: Promise<T>): Promise<T> {
    this.answers.set(key, answer);
    answer.catch(() => {
      if (this.answers.get(key) === answer) this.answers.delete(key);
    });
    return answer;
  }
}

/** The key of an answer: the operation, then the customer, then the id the caller chose. */
export function decisionKey(operation: string, env: string, customer: string, id: string): string {
  return `${operation}\u0000${env}\u0000${customer}\u0000${id}`;
}
