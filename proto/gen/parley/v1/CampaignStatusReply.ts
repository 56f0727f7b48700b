// Original file: proto/parley/v1/objective.proto

import type { CampaignPacing as _parley_v1_CampaignPacing, CampaignPacing__Output as _parley_v1_CampaignPacing__Output } from '../../parley/v1/CampaignPacing';
import type { Long } from '@grpc/proto-loader';

export interface CampaignStatusReply {
  'now_ms'?: (number | string | Long);
  'campaigns'?: (_parley_v1_CampaignPacing)[];
}

export interface CampaignStatusReply__Output {
  'now_ms': (number);
  'campaigns': (_parley_v1_CampaignPacing__Output)[];
}
