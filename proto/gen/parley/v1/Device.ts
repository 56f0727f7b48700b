// Original file: proto/parley/v1/common.proto

export const Device = {
  DEVICE_UNSPECIFIED: 'DEVICE_UNSPECIFIED',
  DEVICE_MOBILE: 'DEVICE_MOBILE',
  DEVICE_DESKTOP: 'DEVICE_DESKTOP',
  DEVICE_SMART_SPEAKER: 'DEVICE_SMART_SPEAKER',
  DEVICE_CAR: 'DEVICE_CAR',
  DEVICE_TV: 'DEVICE_TV',
  DEVICE_WEARABLE: 'DEVICE_WEARABLE',
} as const;

export type Device =
  | 'DEVICE_UNSPECIFIED'
  | 0
  | 'DEVICE_MOBILE'
  | 1
  | 'DEVICE_DESKTOP'
  | 2
  | 'DEVICE_SMART_SPEAKER'
  | 3
  | 'DEVICE_CAR'
  | 4
  | 'DEVICE_TV'
  | 5
  | 'DEVICE_WEARABLE'
  | 6

export type Device__Output = typeof Device[keyof typeof Device]
