// Original file: proto/parley/v1/objective.proto

export const BrandLiftStatus = {
  BRAND_LIFT_STATUS_UNSPECIFIED: 'BRAND_LIFT_STATUS_UNSPECIFIED',
  BRAND_LIFT_STATUS_RECORDED: 'BRAND_LIFT_STATUS_RECORDED',
  BRAND_LIFT_STATUS_DUPLICATE: 'BRAND_LIFT_STATUS_DUPLICATE',
  BRAND_LIFT_STATUS_REPLACED: 'BRAND_LIFT_STATUS_REPLACED',
} as const;

export type BrandLiftStatus =
  | 'BRAND_LIFT_STATUS_UNSPECIFIED'
  | 0
  | 'BRAND_LIFT_STATUS_RECORDED'
  | 1
  | 'BRAND_LIFT_STATUS_DUPLICATE'
  | 2
  | 'BRAND_LIFT_STATUS_REPLACED'
  | 3

export type BrandLiftStatus__Output = typeof BrandLiftStatus[keyof typeof BrandLiftStatus]
