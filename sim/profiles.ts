/**
 * Built-in activity profiles: when each activity happens (relative weights of
 * session starts per local hour, weekday and weekend), how long its sessions
 * last, and what the listener hears and does meanwhile. A scenario file may
 * override any field of any activity (see sim/README.md).
 */
import { type Device, type PlaylistKind, SCENARIOS, type Scenario } from '../services/common/domain/types';

/** A scenario the simulated listener is really in (the truth never is "unknown"). */
export type Activity = Exclude<Scenario, 'unknown'>;
export const ACTIVITIES: readonly Activity[] = SCENARIOS.filter((s): s is Activity => s !== 'unknown');

/** Relative weights; keys with weight 0 are never drawn. */
export type Weights<K extends string> = Partial<Record<K, number>>;

export interface ActivityProfile {
  /** 24 relative weights of session starts by local hour, Monday..Friday. */
  weekday: number[];
  /** The same for Saturday and Sunday. */
  weekend: number[];
  /** Planned session length (normal, clipped to at least 3 minutes). */
  sessionMinutes: { mean: number; sd: number };
  /** The ad energy (0 calm .. 1 high) that fits this activity best. */
  idealEnergy: number;
  /** How absorbed the listener is (0..1): disruptive ads hurt more when high. */
  focus: number;
  /** Chance that the listener skips a music track (feeds `recentSkips`). */
  trackSkipRate: number;
  devices: Weights<Device>;
  genres: Weights<string>;
  playlists: Weights<PlaylistKind>;
}

// biome-ignore format: hour tables read best one row per line
export const DEFAULT_ACTIVITIES: Record<Activity, ActivityProfile> = {
  workout: {
    weekday: [0, 0, 0, 0, 0, 1, 4, 5, 3, 1, 1, 1, 3, 2, 1, 1, 2, 4, 6, 5, 3, 1, 0, 0],
    weekend: [0, 0, 0, 0, 0, 0, 1, 2, 4, 5, 5, 3, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0],
    sessionMinutes: { mean: 45, sd: 15 },
    idealEnergy: 0.9,
    focus: 0.35,
    trackSkipRate: 0.15,
    devices: { mobile: 0.6, wearable: 0.35, smart_speaker: 0.05 },
    genres: { edm: 0.35, hiphop: 0.35, rock: 0.2, pop: 0.1 },
    playlists: { editorial: 0.45, user: 0.35, algorithmic: 0.2 },
  },
  commute: {
    weekday: [0, 0, 0, 0, 0, 1, 4, 9, 10, 4, 1, 1, 1, 1, 1, 2, 5, 9, 8, 3, 1, 0, 0, 0],
    weekend: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0],
    sessionMinutes: { mean: 35, sd: 15 },
    idealEnergy: 0.55,
    focus: 0.45,
    trackSkipRate: 0.2,
    devices: { mobile: 0.55, car: 0.45 },
    genres: { pop: 0.4, rock: 0.2, hiphop: 0.2, indie: 0.2 },
    playlists: { algorithmic: 0.35, user: 0.35, radio: 0.15, podcast: 0.15 },
  },
  focus: {
    weekday: [0, 0, 0, 0, 0, 0, 0, 1, 3, 8, 9, 8, 4, 6, 8, 8, 6, 3, 1, 1, 1, 1, 0, 0],
    weekend: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0],
    sessionMinutes: { mean: 90, sd: 40 },
    idealEnergy: 0.3,
    focus: 0.9,
    trackSkipRate: 0.08,
    devices: { desktop: 0.6, mobile: 0.3, smart_speaker: 0.1 },
    genres: { lofi: 0.4, classical: 0.3, ambient: 0.2, jazz: 0.1 },
    playlists: { editorial: 0.5, algorithmic: 0.3, user: 0.2 },
  },
  relax: {
    weekday: [1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 1, 1, 1, 2, 3, 4, 5, 6, 6, 4, 2],
    weekend: [2, 1, 0, 0, 0, 0, 0, 1, 2, 4, 5, 5, 4, 4, 4, 4, 4, 4, 5, 6, 6, 6, 5, 3],
    sessionMinutes: { mean: 60, sd: 30 },
    idealEnergy: 0.3,
    focus: 0.3,
    trackSkipRate: 0.1,
    devices: { mobile: 0.4, smart_speaker: 0.3, tv: 0.15, desktop: 0.15 },
    genres: { jazz: 0.25, soul: 0.25, indie: 0.25, pop: 0.25 },
    playlists: { user: 0.4, editorial: 0.3, album: 0.3 },
  },
  party: {
    weekday: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2],
    weekend: [4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 5, 7, 8, 7],
    sessionMinutes: { mean: 120, sd: 45 },
    idealEnergy: 0.85,
    focus: 0.2,
    trackSkipRate: 0.2,
    devices: { smart_speaker: 0.6, mobile: 0.3, tv: 0.1 },
    genres: { pop: 0.4, edm: 0.35, hiphop: 0.25 },
    playlists: { user: 0.5, editorial: 0.4, algorithmic: 0.1 },
  },
  sleep: {
    weekday: [3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 5],
    weekend: [3, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 4],
    sessionMinutes: { mean: 60, sd: 25 },
    idealEnergy: 0.1,
    focus: 0.7,
    trackSkipRate: 0.05,
    devices: { mobile: 0.5, smart_speaker: 0.5 },
    genres: { ambient: 0.5, classical: 0.3, lofi: 0.2 },
    playlists: { editorial: 0.6, algorithmic: 0.2, user: 0.2 },
  },
  chores: {
    weekday: [0, 0, 0, 0, 0, 0, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 3, 2, 1, 0, 0],
    weekend: [0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 6, 5, 4, 4, 4, 3, 2, 2, 1, 1, 0, 0, 0, 0],
    sessionMinutes: { mean: 40, sd: 20 },
    idealEnergy: 0.6,
    focus: 0.25,
    trackSkipRate: 0.15,
    devices: { smart_speaker: 0.5, mobile: 0.4, tv: 0.1 },
    genres: { pop: 0.5, rock: 0.25, hiphop: 0.25 },
    playlists: { algorithmic: 0.4, radio: 0.3, user: 0.3 },
  },
};
