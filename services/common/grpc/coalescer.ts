/**
 * Coalescing for long-lived gRPC streams (the agent bus, DecideStream): what
 * is sent during one turn of the event loop leaves in one message. A message
 * on an open stream costs a fraction of a unary call, and one message for
 * many items a fraction again (bench/ANALYSIS.md, section 14).
 */
/**
 * Gathers items sent during one turn of the event loop into one message,
 * written on setImmediate; while the stream pushes back, items keep
 * gathering until it drains.
 */
export class Coalescer<T> {
  private items: T[] = [];
  private scheduled = false;
  private blocked = false;

  constructor(
    private readonly write: (items: T[]) => boolean,
    private readonly onDrain: (resume: () => void) => void,
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
    if (this.blocked || this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    if (!this.write(items)) {
      this.blocked = true;
      this.onDrain(() => {
        this.blocked = false;
        if (this.items.length > 0 && !this.scheduled) {
          this.scheduled = true;
          setImmediate(this.flush);
        }
      });
    }
  };
}
