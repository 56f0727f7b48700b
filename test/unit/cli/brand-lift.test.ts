/**
 * `parley brand-lift`'s file reading (bin/brand-lift.ts): CSV (RFC 4180:
 * quoted cells, CRLF, a byte-order mark) and JSON (an array, or {results}),
 * times as ISO 8601 or epoch ms; a cell that is not a number, a missing
 * column or a short row names the file's line and the column. The figures
 * themselves are the objective agent's to check (its refusals come back with
 * the file's line: `locate`).
 */
import { describe, expect, it } from 'vitest';
import { LiftFileError, locate, parseCsv, parseLiftFile, replyText } from '../../../bin/brand-lift';
import { surveyResult } from '../../support/objective';

const HEADER =
  'campaign_id,wave_id,exposed_respondents,exposed_yes_rate,control_respondents,control_yes_rate,impressions,reach,fielded_at,published_at';
const ROW = 'camp-1,w1,400,0.31,380,0.22,120000,40000,2026-12-01T00:00:00Z,1796104800000'; // surveyResult()
const EXPECTED = surveyResult();

function fileError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LiftFileError);
    return (err as Error).message;
  }
  throw new Error('expected a file error');
}

describe('parley brand-lift files', () => {
  it('reads a CSV file, with the line of each row', () => {
    const text = `\ufeff${HEADER}\r\n${ROW}\r\n\r\n${ROW.replace('w1', 'w2')}\r\n`;
    const f = parseLiftFile(text, 'waves.csv');
    expect(f.results).toEqual([EXPECTED, { ...EXPECTED, wave_id: 'w2' }]);
    expect(f.lines).toEqual([2, 4]);
  });

  it('reads columns in any order, in any case, with quoted cells', () => {
    const cols = HEADER.split(',');
    const cells = ROW.split(',');
    const order = [...cols.keys()].reverse();
    const text = `${order.map((i) => cols[i]!.toUpperCase()).join(',')}\n${order
      .map((i) => `"${cells[i]}"`)
      .join(',')}\n`;
    expect(parseLiftFile(text, 'waves.csv').results).toEqual([EXPECTED]);
    expect(parseCsv('a,"b ""c"", d",e\n"multi\nline",x').map((r) => r.cells)).toEqual([
      ['a', 'b "c", d', 'e'],
      ['multi\nline', 'x'],
    ]);
  });

  it('reads JSON: an array of results, or {"results": [...]}', () => {
    const obj = { ...EXPECTED, fielded_at: '2026-12-01T00:00:00Z', published_at: 1_796_104_800_000 };
    for (const key of ['fielded_at_ms', 'published_at_ms'] as const)
      delete (obj as Record<string, unknown>)[key];
    expect(parseLiftFile(JSON.stringify([obj]), 'waves.json').results).toEqual([EXPECTED]);
    expect(parseLiftFile(JSON.stringify({ results: [obj] }), 'waves.txt').results).toEqual([EXPECTED]);
    expect(parseLiftFile(JSON.stringify([obj]), 'waves.json').lines).toEqual([0]);
  });

  it.each([
    [
      'a count that is not a number',
      ROW.replace(',400,', ',many,'),
      'waves.csv:2: exposed_respondents: must be a whole number',
    ],
    [
      'a fractional count',
      ROW.replace(',400,', ',400.5,'),
      'waves.csv:2: exposed_respondents: must be a whole number',
    ],
    ['an empty cell', ROW.replace(',120000,', ',,'), 'waves.csv:2: impressions: must be a whole number'],
    [
      'a bad time',
      ROW.replace('2026-12-01T00:00:00Z', 'yesterday'),
      'waves.csv:2: fielded_at: must be an ISO 8601 time or epoch milliseconds',
    ],
    [
      'a rate that is a word',
      ROW.replace(',0.31,', ',high,'),
      'waves.csv:2: exposed_yes_rate: must be a number (a share in [0, 1])',
    ],
    ['a short row', 'camp-1,w1,400', 'waves.csv:2: 3 cells, the header has 10'],
    ['an unclosed quote', '"camp-1,w1', 'waves.csv:2: a quoted cell is not closed'],
  ])('refuses %s, naming the line and the column', (_name, row, message) => {
    expect(fileError(() => parseLiftFile(`${HEADER}\n${row}\n`, 'waves.csv'))).toBe(message);
  });

  it('passes a NaN rate and a negative count on, for the objective agent to refuse by name', () => {
    const [r] = parseLiftFile(
      `${HEADER}\n${ROW.replace(',0.31,', ',NaN,').replace(',380,', ',-380,')}`,
      'w.csv',
    ).results;
    expect(r?.exposed_yes_rate).toBeNaN();
    expect(r?.control_respondents).toBe(-380);
  });

  it('refuses a header without every column, and files that are not results', () => {
    expect(fileError(() => parseLiftFile('campaign_id,wave_id\n', 'waves.csv'))).toMatch(
      /^waves\.csv:1: the header lacks exposed_respondents, exposed_yes_rate, .*published_at \(columns: campaign_id,/,
    );
    expect(fileError(() => parseLiftFile('', 'waves.csv'))).toBe('waves.csv: empty file');
    expect(fileError(() => parseLiftFile('{"results": 3}', 'waves.json'))).toMatch(
      /expected an array of results/,
    );
    expect(fileError(() => parseLiftFile('[{"campaign_id": "c"}]', 'waves.json'))).toBe(
      'waves.json: results[0]: wave_id: required',
    );
    expect(fileError(() => parseLiftFile('[', 'waves.json'))).toMatch(/^waves\.json: not valid JSON/);
  });

  it("puts the objective agent's field on the file's line", () => {
    expect(locate('results[1].reach: at most 10', 'w.csv', [2, 5])).toBe(
      'w.csv:5: results[1].reach: at most 10',
    );
    expect(locate('results[0].reach: x', 'w.json', [0])).toBe('w.json: results[0].reach: x');
    expect(locate('results: at most 1000 per call', 'w.csv', [2])).toBe(
      'w.csv: results: at most 1000 per call',
    );
  });

  it('says what was recorded and how each campaign is now valued', () => {
    const lines = replyText({
      statuses: ['BRAND_LIFT_STATUS_RECORDED', 'BRAND_LIFT_STATUS_DUPLICATE', 'BRAND_LIFT_STATUS_RECORDED'],
      campaigns: [
        { campaign_id: 'c1', goal: 'awareness', waves: 2, lift_per_impression: 0.0123, multiplier: 1.2 },
      ],
    });
    expect(lines[0]).toBe('3 survey waves: 2 recorded, 1 already recorded');
    expect(lines[2]).toMatch(/^c1\s+awareness\s+2\s+12\.30\s+1\.200$/);
  });
});
