// Original file: proto/parley/v1/common.proto

export const RiskLevel = {
  RISK_LEVEL_UNSPECIFIED: 'RISK_LEVEL_UNSPECIFIED',
  RISK_LEVEL_LOW: 'RISK_LEVEL_LOW',
  RISK_LEVEL_MEDIUM: 'RISK_LEVEL_MEDIUM',
  RISK_LEVEL_HIGH: 'RISK_LEVEL_HIGH',
  RISK_LEVEL_FLOOR: 'RISK_LEVEL_FLOOR',
} as const;

export type RiskLevel =
  | 'RISK_LEVEL_UNSPECIFIED'
  | 0
  | 'RISK_LEVEL_LOW'
  | 1
  | 'RISK_LEVEL_MEDIUM'
  | 2
  | 'RISK_LEVEL_HIGH'
  | 3
  | 'RISK_LEVEL_FLOOR'
  | 4

export type RiskLevel__Output = typeof RiskLevel[keyof typeof RiskLevel]
