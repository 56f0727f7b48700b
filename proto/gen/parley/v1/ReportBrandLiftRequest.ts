// Original file: proto/parley/v1/objective.proto

import type { BrandLiftResult as _parley_v1_BrandLiftResult, BrandLiftResult__Output as _parley_v1_BrandLiftResult__Output } from '../../parley/v1/BrandLiftResult';

export interface ReportBrandLiftRequest {
  'results'?: (_parley_v1_BrandLiftResult)[];
}

export interface ReportBrandLiftRequest__Output {
  'results': (_parley_v1_BrandLiftResult__Output)[];
}
