// Original file: proto/parley/v1/ad_decision.proto

export const Settlement = {
  SETTLEMENT_UNSPECIFIED: 'SETTLEMENT_UNSPECIFIED',
  SETTLEMENT_NONE: 'SETTLEMENT_NONE',
  SETTLEMENT_SETTLED: 'SETTLEMENT_SETTLED',
  SETTLEMENT_DUPLICATE: 'SETTLEMENT_DUPLICATE',
  SETTLEMENT_NOT_CHARGED: 'SETTLEMENT_NOT_CHARGED',
} as const;

export type Settlement =
  | 'SETTLEMENT_UNSPECIFIED'
  | 0
  | 'SETTLEMENT_NONE'
  | 1
  | 'SETTLEMENT_SETTLED'
  | 2
  | 'SETTLEMENT_DUPLICATE'
  | 3
  | 'SETTLEMENT_NOT_CHARGED'
  | 4

export type Settlement__Output = typeof Settlement[keyof typeof Settlement]
