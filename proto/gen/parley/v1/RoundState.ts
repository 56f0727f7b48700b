// Original file: proto/parley/v1/federated.proto

export const RoundState = {
  ROUND_STATE_UNSPECIFIED: 'ROUND_STATE_UNSPECIFIED',
  ROUND_STATE_OPEN: 'ROUND_STATE_OPEN',
  ROUND_STATE_AGGREGATED: 'ROUND_STATE_AGGREGATED',
  ROUND_STATE_FAILED: 'ROUND_STATE_FAILED',
  ROUND_STATE_ABANDONED: 'ROUND_STATE_ABANDONED',
} as const;

export type RoundState =
  | 'ROUND_STATE_UNSPECIFIED'
  | 0
  | 'ROUND_STATE_OPEN'
  | 1
  | 'ROUND_STATE_AGGREGATED'
  | 2
  | 'ROUND_STATE_FAILED'
  | 3
  | 'ROUND_STATE_ABANDONED'
  | 4

export type RoundState__Output = typeof RoundState[keyof typeof RoundState]
