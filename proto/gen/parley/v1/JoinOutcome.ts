// Original file: proto/parley/v1/federated.proto

export const JoinOutcome = {
  JOIN_OUTCOME_UNSPECIFIED: 'JOIN_OUTCOME_UNSPECIFIED',
  JOIN_OUTCOME_SELECTED: 'JOIN_OUTCOME_SELECTED',
  JOIN_OUTCOME_NOT_SELECTED: 'JOIN_OUTCOME_NOT_SELECTED',
  JOIN_OUTCOME_NO_ROUND: 'JOIN_OUTCOME_NO_ROUND',
  JOIN_OUTCOME_ROUND_FULL: 'JOIN_OUTCOME_ROUND_FULL',
} as const;

export type JoinOutcome =
  | 'JOIN_OUTCOME_UNSPECIFIED'
  | 0
  | 'JOIN_OUTCOME_SELECTED'
  | 1
  | 'JOIN_OUTCOME_NOT_SELECTED'
  | 2
  | 'JOIN_OUTCOME_NO_ROUND'
  | 3
  | 'JOIN_OUTCOME_ROUND_FULL'
  | 4

export type JoinOutcome__Output = typeof JoinOutcome[keyof typeof JoinOutcome]
