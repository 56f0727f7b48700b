/**
 * Coalescing for long-lived gRPC streams (the agent bus, DecideStream): what
 * is sent during one turn of the event loop leaves in one message. A message
 * on an open stream costs a fraction of a unary call, and one message for
 * many items a fraction again (bench/ANALYSIS.md, section 14).
 */
/**
 * Most items in one message, by weight (an item weighs 1 unless told
 * otherwise): a message stays far below what a receiver takes (256 KiB,
 * grpc/server.ts) even when a burst gathers hundreds of items in one turn.
 */
export const MAX_BATCH_WEIGHT = 32;

/**
 * Gathers items sent during one turn of the event loop into messages of at
 * most MAX_BATCH_WEIGHT, written on setImmediate; while the stream pushes
 * back, items keep gathering until it drains.
 */
export class Coalescer<T> {
  private items: T[] = [];
  private scheduled = false;
  private blocked = false;

  constructor(
    private readonly write: (items: T[]) => boolean,
    private readonly onDrain: (resume: () => void) => void,
    /** An item's share of a message, for items that can be many times the usual size. */
    private readonly weight: (item: T) => number = () => 1,
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.scheduled || this.blocked) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Forgets what was not written (the stream is gone). */
  clear(): T[] {
    const left = this.items;
    this.items = [];
    return left;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    while (!this.blocked && this.items.length > 0) {
      let n = 0;
      for (let w = 0; n < this.items.length; n++) {
        w += this.weight(this.items[n]!);
        if (w > MAX_BATCH_WEIGHT && n > 0) break;
      }
      if (!this.write(this.items.splice(0, n))) {
        this.blocked = true;
        this.onDrain(() => {
          this.blocked = false;
          if (this.items.length > 0 && !this.scheduled) {
            this.scheduled = true;
            setImmediate(this.flush);
          }
        });
      }
    }
  };
}
