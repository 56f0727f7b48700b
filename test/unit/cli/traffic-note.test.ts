import { describe, expect, it } from 'vitest';
import { busyMachineNote } from '../../../bin/traffic';

describe('parley traffic on a busy machine', () => {
  it('says so when the load average is at least half the cores, and says nothing on a quiet one', () => {
    expect(busyMachineNote(2.76, 2)).toBe(
      '  note: this machine was already busy before the run (load average 2.76 over the last minute, 2 cores): ' +
        'expect slower and more degraded answers than on a quiet machine.',
    );
    expect(busyMachineNote(1, 2)).not.toBeNull();
    expect(busyMachineNote(0.99, 2)).toBeNull();
    expect(busyMachineNote(0.3, 2)).toBeNull();
    // No figure (a platform without load averages reports 0) says nothing.
    expect(busyMachineNote(Number.NaN, 2)).toBeNull();
  });
});
