/**
 * Coalescing for long-lived gRPC streams (the agent bus, DecideStream): what
 * is sent during one turn of the event loop leaves in one message. CallStream
 * and ReplyStream are the client's and the server's end of such a stream. A message
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

/** How a stream fails: grpc-js adds the status code and its details. */
type StreamError = Error & { code?: number; details?: string };

/** What CallStream needs of a client's bidi stream (grpc-js's ClientDuplexStream). */
interface DuplexStream<Msg, Reply> {
  write(msg: Msg): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'data', listener: (reply: Reply) => void): unknown;
  on(event: 'error', listener: (err: StreamError) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  end(): void;
  cancel(): void;
}

/**
 * The client's end of a bidi stream that carries many calls (an agent link,
 * a DecideStream): opened on the first push; what is pushed in one turn of
 * the event loop leaves as one message; a stream that breaks (error, end,
 * close) is dropped, `onBroken` hears why, and the next push opens another.
 */
export class CallStream<Item, Msg, Reply> {
  private stream: DuplexStream<Msg, Reply> | null = null;
  private out: Coalescer<Item> | null = null;

  constructor(
    private readonly spec: {
      open(): DuplexStream<Msg, Reply>;
      /** The message that carries `items`. */
      message(items: Item[]): Msg;
      onMessage(reply: Reply): void;
      /** The stream broke (not after close()); the error when it ended with one. */
      onBroken(err?: StreamError): void;
      weight?: (item: Item) => number;
    },
  ) {}

  push(item: Item): void {
    (this.out ?? this.connect()).push(item);
  }

  /** Ends and cancels the stream, if one is open; onBroken is not called. */
  close(): void {
    const stream = this.stream;
    this.stream = null;
    this.out = null;
    stream?.end();
    stream?.cancel();
  }

  private connect(): Coalescer<Item> {
    const stream = this.spec.open();
    const out = new Coalescer<Item>(
      (items) => stream.write(this.spec.message(items)),
      (resume) => stream.once('drain', resume),
      this.spec.weight,
    );
    this.stream = stream;
    this.out = out;
    stream.on('data', (reply) => this.spec.onMessage(reply));
    const broken = (err?: StreamError) => {
      if (this.stream !== stream) return;
      this.stream = null;
      this.out = null;
      out.clear();
      this.spec.onBroken(err);
    };
    stream.on('error', broken);
    stream.on('end', () => broken());
    stream.on('close', () => broken());
    return out;
  }
}

/** What ReplyStream needs of a server's bidi stream (grpc-js's ServerDuplexStream). */
interface ServerStream<Msg> {
  write(msg: Msg): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  end(): void;
}

/**
 * The server's end of a bidi stream that carries many calls (an agent's
 * Negotiate, DecideStream): replies sent in one turn of the event loop leave
 * as one message, and the stream ends once no more calls will come (the
 * client ended its side, or the server drains) and every call begun has
 * been answered, after those answers have left.
 */
export class ReplyStream<Item, Msg> {
  private open = 0;
  private noMoreCalls = false;
  /** The stream is ending (or gone): a call that comes now is not run. */
  ending = false;
  private gone = false;
  private readonly out: Coalescer<Item>;

  constructor(
    private readonly stream: ServerStream<Msg>,
    message: (items: Item[]) => Msg,
  ) {
    // Once the transport has closed the stream, what is left has nowhere to go.
    this.out = new Coalescer<Item>(
      (items) => this.gone || stream.write(message(items)),
      (resume) => stream.once('drain', resume),
    );
    stream.on('close', () => {
      this.gone = true;
      this.ending = true;
    });
  }

  /** A call begins: the stream stays open until its answer(). */
  begin(): void {
    this.open++;
  }

  /** The reply to a call begun with begin(). */
  answer(item: Item): void {
    this.open--;
    this.send(item);
    this.maybeEnd();
  }

  /** A reply to a call that never began (refused at once). */
  send(item: Item): void {
    if (!this.gone) this.out.push(item);
  }

  /** No more calls will come: the stream ends once those begun are answered. */
  finish(): void {
    this.noMoreCalls = true;
    this.maybeEnd();
  }

  private maybeEnd(): void {
    if (!this.noMoreCalls || this.open > 0 || this.ending) return;
    this.ending = true;
    // After the replies still gathering have left (setImmediate runs in order).
    setImmediate(() => this.stream.end());
  }
}
