/**
 * A timeout for something that answers over a socket.
 *
 * Node runs the timers that are due before it reads its sockets. After the
 * event loop stalled (a garbage collection, long work, no free core), a plain
 * timer fires while the answer it was racing has already arrived and waits
 * unread, and the wait is declared late although the answer came in time.
 * This timeout calls `onTimeout` only after one more poll phase
 * (setImmediate runs after it), so an answer already there is read first;
 * clear() cancels it at either step.
 */
export interface IoTimeout {
  clear(): void;
}

export function ioTimeout(ms: number, onTimeout: () => void): IoTimeout {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(onTimeout);
  }, ms);
  return {
    clear() {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}
