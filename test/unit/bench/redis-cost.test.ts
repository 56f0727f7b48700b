/**
 * bench/redis-cost.ts's arithmetic (docs/SCALING.md takes its figures from
 * it): Redis's INFO text read right, our own INFO calls and the idle mesh's
 * background taken out, costs divided per decision.
 */
import { describe, expect, it } from 'vitest';
import { commandCalls, costOf, infoFields, per, type RedisCounters } from '../../../bench/redis-cost';

const STATS = '# Stats\r\ntotal_commands_processed:1200\r\ntotal_net_input_bytes:50000\r\n';
const COMMANDSTATS = [
  '# Commandstats',
  'cmdstat_get:calls=300,usec=900,usec_per_call=3.00,rejected_calls=0,failed_calls=0',
  'cmdstat_evalsha:calls=40,usec=800,usec_per_call=20.00,rejected_calls=0,failed_calls=0',
  'cmdstat_xgroup|create:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0',
  'cmdstat_info:calls=7,usec=70,usec_per_call=10.00,rejected_calls=0,failed_calls=0',
].join('\r\n');

const at = (
  ms: number,
  commands: number,
  calls: Record<string, number>,
  bytes: number,
  memory = 0,
  keys = 0,
): RedisCounters => ({
  at: ms,
  commands,
  calls,
  netInputBytes: bytes,
  netOutputBytes: bytes / 10,
  usedMemory: memory,
  keys,
});

describe('bench/redis-cost', () => {
  it('reads INFO fields and the calls per command (subcommands included)', () => {
    expect(infoFields(STATS).get('total_commands_processed')).toBe('1200');
    expect(infoFields(STATS).has('# Stats')).toBe(false);
    expect(commandCalls(COMMANDSTATS)).toEqual({ get: 300, evalsha: 40, 'xgroup|create': 1, info: 7 });
  });

  it("takes out the harness's own INFO calls and the idle rate over the window's length", () => {
    // Idle: 10 s, 20 commands (10 of them ours), 100 bytes.
    const idle = costOf(at(0, 100, { hmget: 0, info: 0 }, 0), at(10_000, 120, { hmget: 10, info: 10 }, 100));
    expect(idle.commands).toBe(10);
    expect(idle.calls).toEqual({ hmget: 10 });
    // A 5 s window: half the idle background is taken out.
    const busy = costOf(
      at(0, 1000, { hmget: 0, get: 0, info: 0 }, 0, 1000, 10),
      at(5000, 1000 + 205 + 4, { hmget: 105, get: 100, info: 4 }, 5050, 3000, 30),
      idle,
    );
    expect(busy.commands).toBe(200);
    expect(busy.calls).toEqual({ hmget: 100, get: 100 });
    expect(busy.netInputBytes).toBe(5000);
    const perDecision = per(busy, 50);
    expect(perDecision.commands).toBe(4);
    expect(perDecision.calls).toEqual({ hmget: 2, get: 2 });
    expect(perDecision.netInputBytes).toBe(100);
    expect(perDecision.usedMemory).toBe(40);
    expect(perDecision.keys).toBe(0.4);
    expect(Number.isNaN(per(busy, 0).commands), 'nothing sent: no figure').toBe(true);
  });
});
