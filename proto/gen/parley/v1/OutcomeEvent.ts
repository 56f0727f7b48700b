// Original file: proto/parley/v1/ad_decision.proto

export const OutcomeEvent = {
  OUTCOME_EVENT_UNSPECIFIED: 'OUTCOME_EVENT_UNSPECIFIED',
  OUTCOME_EVENT_IMPRESSION: 'OUTCOME_EVENT_IMPRESSION',
  OUTCOME_EVENT_SKIP: 'OUTCOME_EVENT_SKIP',
  OUTCOME_EVENT_COMPLETE: 'OUTCOME_EVENT_COMPLETE',
  OUTCOME_EVENT_CLICK: 'OUTCOME_EVENT_CLICK',
} as const;

export type OutcomeEvent =
  | 'OUTCOME_EVENT_UNSPECIFIED'
  | 0
  | 'OUTCOME_EVENT_IMPRESSION'
  | 1
  | 'OUTCOME_EVENT_SKIP'
  | 2
  | 'OUTCOME_EVENT_COMPLETE'
  | 3
  | 'OUTCOME_EVENT_CLICK'
  | 4

export type OutcomeEvent__Output = typeof OutcomeEvent[keyof typeof OutcomeEvent]
