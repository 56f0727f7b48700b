/**
 * Structured logging: one JSON object per line on stderr, so stdout stays free
 * for what a person asked for (addresses, CLI output).
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  service: string,
  level: Level = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(JSON.stringify({ t: new Date().toISOString(), level: lvl, service, msg, ...base, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(service, level, { ...base, ...fields }, write),
  };
}

/**
 * A gate for a warning that can repeat many times a second (an agent down
 * under load): true at most once every `ms`, so the log says it once, not
 * once per request.
 */
export function rateLimited(ms: number, now: () => number = Date.now): () => boolean {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const t = now();
    if (t - last < ms) return false;
    last = t;
    return true;
  };
}

/**
 * A warning that can repeat many times a second: logged as a warn at most
 * once every `ms`, as debug in between, so an outage says so without
 * flooding the log.
 */
export function warnNowAndThen(
  log: Logger,
  msg: string,
  ms = 10_000,
  now: () => number = Date.now,
): (fields: Record<string, unknown>) => void {
  const mayWarn = rateLimited(ms, now);
  return (fields) => (mayWarn() ? log.warn : log.debug)(msg, fields);
}
