/**
 * `parley brand-lift <file> [--objective host:port] [--json]`: sends brand-lift
 * survey results (a CSV or JSON file, one survey wave per row or object) to
 * the objective agent's ReportBrandLift, as an operator (mTLS identity
 * `operator`), and prints what it recorded and how it now values each
 * measured campaign.
 *
 * Columns (CSV header) or keys (JSON objects; the file is an array of them,
 * or {"results": [...]}), as objective.proto's BrandLiftResult names them:
 *   campaign_id, wave_id, exposed_respondents, exposed_yes_rate,
 *   control_respondents, control_yes_rate, impressions, reach,
 *   fielded_at, published_at        (an ISO 8601 time, or epoch ms)
 * This file only reads the cells as numbers and times (an error names the
 * line and the column); the objective agent checks the figures
 * (INVALID_ARGUMENT naming results[i].<field>, which this command turns into
 * the file's line). Sending a file again records nothing twice.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import type { BrandLiftResult } from '../proto/gen/parley/v1/BrandLiftResult';
import type { ReportBrandLiftReply__Output } from '../proto/gen/parley/v1/ReportBrandLiftReply';
import { v1 } from '../services/common/grpc/proto';
import { channelCredentials } from '../services/common/grpc/tls';
import { fieldPath } from '../services/common/schema';
import { detailsOf, statusName } from './client';

/** A results file this command cannot read: what is wrong, and where (file:line, column). */
export class LiftFileError extends Error {}

/** A file's results, and the line each one starts on (0 when the format has no lines to name: JSON). */
export interface LiftFile {
  results: BrandLiftResult[];
  lines: number[];
}

/** A cell as written: a CSV cell is a string, a JSON value may be a number already; '' = missing. */
const cell = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v);

const WHOLE = 'must be a whole number';
const count = z.preprocess(
  (v) => {
    const c = cell(v);
    return typeof c === 'string' ? Number(c) : c;
  },
  z.number({ error: WHOLE }).int(WHOLE),
);
const RATE = 'must be a number (a share in [0, 1])';
const rate = z.preprocess(
  (v) => {
    const c = cell(v);
    if (typeof c !== 'string') return c;
    // A word is not a number here; "NaN" is, and the objective agent refuses it by name.
    const n = Number(c);
    return Number.isNaN(n) && c !== 'NaN' ? c : n;
  },
  z.union([z.number(), z.nan()], { error: RATE }),
);
const TIME = 'must be an ISO 8601 time or epoch milliseconds';
const time = z.preprocess(
  (v) => {
    const c = cell(v);
    if (typeof c !== 'string') return c;
    return /^-?\d+$/.test(c) ? Number(c) : Date.parse(c);
  },
  z.number({ error: TIME }).int(TIME),
);
const id = z.preprocess(cell, z.string({ error: 'required' }));

const rowSchema = z.object(
  {
    campaign_id: id,
    wave_id: id,
    exposed_respondents: count,
    exposed_yes_rate: rate,
    control_respondents: count,
    control_yes_rate: rate,
    impressions: count,
    reach: count,
    fielded_at: time,
    published_at: time,
  },
  { error: 'must be an object' },
);

const COLUMNS = Object.keys(rowSchema.shape);

function resultOf(raw: unknown, where: string): BrandLiftResult {
  const r = rowSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LiftFileError(`${where}: ${fieldPath(issue.path) || 'row'}: ${issue.message}`);
  }
  const { fielded_at, published_at, ...rest } = r.data;
  return { ...rest, fielded_at_ms: fielded_at, published_at_ms: published_at };
}

/** RFC 4180 CSV: rows of cells, with the line each row starts on; quoted cells may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string, name = 'line '): Array<{ line: number; cells: string[] }> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cur = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark
  const endRow = () => {
    cells.push(cur);
    if (cells.length > 1 || cells[0] !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cur = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cur += ch;
      }
    } else if (ch === '"' && cur.trim() === '') {
      cur = '';
      quoted = true;
    } else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cur += ch;
  }
  if (quoted) throw new LiftFileError(`${name}${rowLine}: a quoted cell is not closed`);
  if (cur !== '' || cells.length > 0) endRow();
  return rows;
}

/** The results in a CSV or JSON file's text (`name`, for messages and the format: .json / .csv, else by its first character). */
export function parseLiftFile(text: string, name: string): LiftFile {
  const ext = extname(name).toLowerCase();
  const json = ext === '.json' || (ext !== '.csv' && /^\s*[[{]/.test(text));
  if (json) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new LiftFileError(`${name}: not valid JSON: ${(err as Error).message}`);
    }
    const list =
      doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { results?: unknown }).results : doc;
    if (!Array.isArray(list))
      throw new LiftFileError(`${name}: expected an array of results, or an object with "results": [...]`);
    return {
      results: list.map((r, i) => resultOf(r, `${name}: results[${i}]`)),
      lines: list.map(() => 0),
    };
  }
  const [header, ...rows] = parseCsv(text, `${name}:`);
  if (!header) throw new LiftFileError(`${name}: empty file`);
  const columns = header.cells.map((c) => c.trim().toLowerCase());
  const missing = COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    throw new LiftFileError(
      `${name}:${header.line}: the header lacks ${missing.join(', ')} (columns: ${COLUMNS.join(', ')})`,
    );
  return {
    results: rows.map((row) => {
      if (row.cells.length !== columns.length)
        throw new LiftFileError(
          `${name}:${row.line}: ${row.cells.length} cells, the header has ${columns.length}`,
        );
      return resultOf(Object.fromEntries(columns.map((c, k) => [c, row.cells[k]])), `${name}:${row.line}`);
    }),
    lines: rows.map((r) => r.line),
  };
}

/** One ReportBrandLift call (by default as this process's mTLS identity). */
export async function sendBrandLift(
  target: string,
  results: BrandLiftResult[],
  { timeoutMs = 10_000, credentials = channelCredentials() } = {},
): Promise<ReportBrandLiftReply__Output> {
  const client = new v1.ObjectiveAgent(target, credentials);
  try {
    return await new Promise<ReportBrandLiftReply__Output>((resolve, reject) =>
      client.ReportBrandLift(
        { results },
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res?: ReportBrandLiftReply__Output) =>
          err || !res ? reject(err) : resolve(res),
      ),
    );
  } finally {
    client.close();
  }
}

/** "results[3].reach: …" → "surveys.csv:5: results[3].reach: …" when the file has lines. */
export function locate(message: string, file: string, lines: readonly number[]): string {
  const m = /^results\[(\d+)\]/.exec(message);
  const line = m ? lines[Number(m[1])] : undefined;
  return line ? `${file}:${line}: ${message}` : `${file}: ${message}`;
}

const STATUS_WORD: Record<string, string> = {
  BRAND_LIFT_STATUS_RECORDED: 'recorded',
  BRAND_LIFT_STATUS_DUPLICATE: 'already recorded',
  BRAND_LIFT_STATUS_REPLACED: 'replaced (corrected)',
};

/** What the reply says, for a person. */
export function replyText(reply: ReportBrandLiftReply__Output): string[] {
  const counts = new Map<string, number>();
  for (const s of reply.statuses) counts.set(String(s), (counts.get(String(s)) ?? 0) + 1);
  const lines = [
    `${reply.statuses.length} survey wave${reply.statuses.length === 1 ? '' : 's'}: ${[...counts]
      .map(([s, n]) => `${n} ${STATUS_WORD[s] ?? s}`)
      .join(', ')}`,
    `${'campaign'.padEnd(24)} ${'goal'.padEnd(11)} ${'waves'.padStart(5)} ${'extra recalls/1000 imp'.padStart(22)} ${'value ×'.padStart(8)}`,
  ];
  for (const c of reply.campaigns)
    lines.push(
      `${c.campaign_id.padEnd(24)} ${(c.goal || '(gone)').padEnd(11)} ${String(c.waves).padStart(5)} ` +
        `${(c.lift_per_impression * 1000).toFixed(2).padStart(22)} ${c.multiplier.toFixed(3).padStart(8)}`,
    );
  lines.push(
    'value × scales awareness campaigns only, once at least 3 campaigns are measured (learning/brand-lift.ts).',
  );
  return lines;
}

export async function brandLiftCommand(
  file: string,
  opts: { objective: string; json: boolean; out?: (line: string) => void },
): Promise<void> {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { results, lines } = parseLiftFile(text, file);
  if (results.length === 0) throw new LiftFileError(`${file}: no survey results in it`);
  let reply: ReportBrandLiftReply__Output;
  try {
    reply = await sendBrandLift(opts.objective, results);
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if (code === grpc.status.INVALID_ARGUMENT)
      throw new Error(`nothing recorded: ${locate(detailsOf(err), file, lines)}`);
    if (code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED)
      throw new Error(
        `cannot reach the objective agent at ${opts.objective} (${detailsOf(err)}). Start the mesh (npm start), or pass --objective host:port.`,
      );
    throw new Error(`ReportBrandLift failed: ${statusName(err)}: ${detailsOf(err)}`);
  }
  if (opts.json) out(JSON.stringify(reply, null, 2));
  else for (const line of replyText(reply)) out(line);
}
