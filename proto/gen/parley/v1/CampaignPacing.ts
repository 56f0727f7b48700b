// Original file: proto/parley/v1/objective.proto

import type { Long } from '@grpc/proto-loader';

export interface CampaignPacing {
  'campaign_id'?: (string);
  'advertiser_id'?: (string);
  'name'?: (string);
  'tier'?: (string);
  'pacing'?: (string);
  'paused'?: (boolean);
  'budget_micros'?: (number | string | Long);
  'ideal_micros'?: (number | string | Long);
  'spend_micros'?: (number | string | Long);
  'pacing_multiplier'?: (number | string);
  'lifetime_spent_micros'?: (number | string | Long);
  'today_spent_micros'?: (number | string | Long);
  'impressions'?: (number | string | Long);
  'skips'?: (number | string | Long);
  'completes'?: (number | string | Long);
  'clicks'?: (number | string | Long);
}

export interface CampaignPacing__Output {
  'campaign_id': (string);
  'advertiser_id': (string);
  'name': (string);
  'tier': (string);
  'pacing': (string);
  'paused': (boolean);
  'budget_micros': (number);
  'ideal_micros': (number);
  'spend_micros': (number);
  'pacing_multiplier': (number);
  'lifetime_spent_micros': (number);
  'today_spent_micros': (number);
  'impressions': (number);
  'skips': (number);
  'completes': (number);
  'clicks': (number);
}
