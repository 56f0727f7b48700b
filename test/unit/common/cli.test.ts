/** The shared command-line helper: node:util parseArgs, errors naming the flag, --help from the same table. */
import { describe, expect, it } from 'vitest';
import {
  choiceFlag,
  helpText,
  numberFlag,
  parseCommand,
  stringFlag,
  UsageError,
} from '../../../services/common/cli';

const SPEC = {
  usage: 'parley thing <name> [options]',
  summary: 'Does a thing.',
  flags: {
    rate: { value: 'N', help: 'per second', default: '20' },
    mode: { value: 'M', help: 'fast or slow' },
    json: { help: 'as JSON' },
  },
  positionals: 1,
};

describe('command-line options', () => {
  it('reads flags (--x v and --x=v), switches and words', () => {
    const p = parseCommand(['n1', '--rate', '5', '--mode=fast', '--json'], SPEC)!;
    expect(p.positionals).toEqual(['n1']);
    expect(numberFlag(p.values, 'rate', 20, { min: 1 })).toBe(5);
    expect(choiceFlag(p.values, 'mode', ['fast', 'slow'], 'slow')).toBe('fast');
    expect(p.values.json).toBe(true);
    const none = parseCommand([], SPEC)!;
    expect(numberFlag(none.values, 'rate', 20)).toBe(20);
    expect(stringFlag(none.values, 'mode', 'slow')).toBe('slow');
  });

  it.each([
    [['--nope'], 'unknown flag --nope (see --help)'],
    [['--rate'], '--rate: expected a value'],
    [['--json=yes'], '--json: a switch, it takes no value'],
    [['a', 'b'], 'unexpected argument "b"'],
  ])('refuses %j naming the problem', (argv, message) => {
    expect(() => parseCommand(argv, SPEC)).toThrow(new UsageError(message));
  });

  it('refuses bad values naming the flag', () => {
    const v = parseCommand(['--rate', 'lots', '--mode', 'medium'], SPEC)!.values;
    expect(() => numberFlag(v, 'rate', 1, { min: 0 })).toThrow('--rate: expected a number >= 0, got "lots"');
    expect(() => numberFlag({ rate: '2.5' }, 'rate', 1, { min: 1, max: 9, integer: true })).toThrow(
      '--rate: expected a whole number in [1, 9], got "2.5"',
    );
    expect(() => numberFlag({ rate: '' }, 'rate', 1)).toThrow(/--rate/);
    expect(() => choiceFlag(v, 'mode', ['fast', 'slow'], 'slow')).toThrow(
      '--mode: expected one of fast, slow, got "medium"',
    );
  });

  it('--help is null (the caller prints helpText), and the help lists every flag', () => {
    expect(parseCommand(['--rate', '3', '--help'], SPEC)).toBeNull();
    const help = helpText(SPEC);
    expect(help.startsWith('usage: parley thing <name> [options]\n\nDoes a thing.\n')).toBe(true);
    expect(help).toContain('--rate N');
    expect(help).toContain('per second (default 20)');
    expect(help).toContain('--json');
    expect(help).toContain('--help');
  });
});
