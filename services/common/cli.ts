/**
 * Command-line options for every parley command, through node:util's
 * parseArgs: one place that knows the flags of a command, refuses an
 * unknown flag or a missing value naming it, and writes the command's
 * --help from the same table.
 *
 *   const spec = { usage: 'parley traffic [options]', summary: '…', flags: { rate: { value: 'N', help: '…' } } };
 *   const args = parseCommand(argv, spec);
 *   if (!args) return void process.stdout.write(helpText(spec));   // --help
 *   const rate = numberFlag(args.values, 'rate', 20, { min: 0.1 });
 */
import { parseArgs } from 'node:util';

/** Bad command-line input; its message names the flag. Commands exit 2 with their usage. */
export class UsageError extends Error {}

export interface Flag {
  /** A value's placeholder in the help ('N', 'FILE'); absent = a switch (boolean). */
  value?: string;
  help: string;
  /** Shown in the help as "(default …)". */
  default?: string;
  /** A value flag that may be given more than once (listFlag reads every value). */
  multiple?: boolean;
}

export interface CommandSpec {
  /** The first line of the help, e.g. "parley explain <request-id> [options]". */
  usage: string;
  summary: string;
  flags: Record<string, Flag>;
  /** How many bare words the command takes (default 0). */
  positionals?: number;
}

export interface ParsedCommand {
  /** A flag's value as given (a switch: true); absent when not given. */
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** The command's flags and words, or null when --help was asked for. Throws UsageError naming the problem. */
export function parseCommand(argv: string[], spec: CommandSpec): ParsedCommand | null {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    help: { type: 'boolean' },
  };
  for (const [name, f] of Object.entries(spec.flags))
    options[name] = { type: f.value ? 'string' : 'boolean', ...(f.multiple ? { multiple: true } : {}) };
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(plainMessage((err as Error).message));
  }
  if (parsed.values.help) return null;
  const max = spec.positionals ?? 0;
  if (parsed.positionals.length > max)
    throw new UsageError(
      `unexpected argument "${parsed.positionals[max]}"${max === 0 ? ' (this command takes flags only)' : ''}`,
    );
  return { values: parsed.values as ParsedCommand['values'], positionals: parsed.positionals };
}

/** node's messages, shorter: "Unknown option '--x'. To specify a positional …" → "unknown flag --x". */
function plainMessage(m: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(m);
  if (unknown) return `unknown flag ${unknown[1]} (see --help)`;
  const missing = /^Option '(?:-\w, )?(--[^ ]+) <value>' argument missing/.exec(m);
  if (missing) return `${missing[1]}: expected a value`;
  const notSwitch = /^Option '(--[^']+)' does not take an argument/.exec(m);
  if (notSwitch) return `${notSwitch[1]}: a switch, it takes no value`;
  return m;
}

/** The command's --help text, from its spec. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({
    ...spec.flags,
    help: { help: 'this text' } as Flag,
  }).map(([name, f]) => {
    const left = `  --${name}${f.value ? ` ${f.value}` : ''}`;
    const help = `${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}`;
    return left.length < 24 ? `${left.padEnd(24)}${help}` : `${left}\n${' '.repeat(24)}${help}`;
  });
  return `usage: ${spec.usage}\n\n${spec.summary}\n\n${rows.join('\n')}\n`;
}

/** Every value of a flag given more than once (Flag.multiple), or `def` when not given. */
export function listFlag(values: ParsedCommand['values'], name: string, def: readonly string[]): string[] {
  const v = values[name];
  return Array.isArray(v) ? [...v] : typeof v === 'string' ? [v] : [...def];
}

/** A string flag's value, or `def` when not given. */
export function stringFlag(values: ParsedCommand['values'], name: string, def: string): string {
  const v = values[name];
  return typeof v === 'string' ? v : def;
}

/** A numeric flag's value in [min, max] (a whole number when `integer`), or `def` when not given. */
export function numberFlag(
  values: ParsedCommand['values'],
  name: string,
  def: number,
  { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false } = {},
): number {
  const raw = values[name];
  if (typeof raw !== 'string') return def;
  const v = raw.trim() === '' ? Number.NaN : Number(raw);
  const lo = Number.isFinite(min);
  const hi = Number.isFinite(max);
  const range = lo && hi ? ` in [${min}, ${max}]` : lo ? ` >= ${min}` : hi ? ` <= ${max}` : '';
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    throw new UsageError(
      `--${name}: expected ${integer ? 'a whole number' : 'a number'}${range}, got "${raw}"`,
    );
  return v;
}

/** A flag's value that must be one of `choices`, or `def` when not given. */
export function choiceFlag<T extends string>(
  values: ParsedCommand['values'],
  name: string,
  choices: readonly T[],
  def: T,
): T {
  const raw = values[name];
  if (typeof raw !== 'string') return def;
  if (!(choices as readonly string[]).includes(raw))
    throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}

/**
 * A script's options: parses `argv` and reads them with `read`; --help
 * prints the help and exits 0, a usage error prints itself and the help
 * and exits 2.
 */
export function optionsOrExit<T>(argv: string[], spec: CommandSpec, read: (args: ParsedCommand) => T): T {
  try {
    const args = parseCommand(argv, spec);
    if (args) return read(args);
    process.stdout.write(helpText(spec));
    process.exit(0);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${helpText(spec)}`);
    process.exit(2);
  }
}
