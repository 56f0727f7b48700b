// Original file: proto/parley/v1/objective.proto

import type { BrandLiftStatus as _parley_v1_BrandLiftStatus, BrandLiftStatus__Output as _parley_v1_BrandLiftStatus__Output } from '../../parley/v1/BrandLiftStatus';
import type { CampaignLift as _parley_v1_CampaignLift, CampaignLift__Output as _parley_v1_CampaignLift__Output } from '../../parley/v1/CampaignLift';

export interface ReportBrandLiftReply {
  'statuses'?: (_parley_v1_BrandLiftStatus)[];
  'campaigns'?: (_parley_v1_CampaignLift)[];
}

export interface ReportBrandLiftReply__Output {
  'statuses': (_parley_v1_BrandLiftStatus__Output)[];
  'campaigns': (_parley_v1_CampaignLift__Output)[];
}
