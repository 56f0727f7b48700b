// Original file: proto/parley/v1/common.proto

import type { SafetyCategory as _parley_v1_SafetyCategory, SafetyCategory__Output as _parley_v1_SafetyCategory__Output } from '../../parley/v1/SafetyCategory';
import type { RiskLevel as _parley_v1_RiskLevel, RiskLevel__Output as _parley_v1_RiskLevel__Output } from '../../parley/v1/RiskLevel';

export interface ContentRisk {
  'category'?: (_parley_v1_SafetyCategory);
  'level'?: (_parley_v1_RiskLevel);
}

export interface ContentRisk__Output {
  'category': (_parley_v1_SafetyCategory__Output);
  'level': (_parley_v1_RiskLevel__Output);
}
