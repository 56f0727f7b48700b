/** A listener's signals for unit tests: a desktop session in Sweden, rock, nothing unusual; `o` overrides. */
import type { Signals } from '../../services/common/domain/types';
import { localTime } from '../../services/common/wire/validate';

export const signals = (o: Partial<Signals> = {}): Signals => ({
  sessionId: 's1',
  device: 'desktop',
  localTime: localTime('2026-06-10T14:00:00+02:00', 'local_time'),
  trackGenre: 'rock',
  previousGenre: '',
  recentSkips: 0,
  playlistKind: 'user',
  activityHint: 'unknown',
  explicitContent: false,
  country: 'SE',
  content: null,
  ...o,
});
