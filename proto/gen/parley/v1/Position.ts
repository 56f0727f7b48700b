// Original file: proto/parley/v1/common.proto

export const Position = {
  POSITION_UNSPECIFIED: 'POSITION_UNSPECIFIED',
  POSITION_PRE_ROLL: 'POSITION_PRE_ROLL',
  POSITION_MID_ROLL: 'POSITION_MID_ROLL',
  POSITION_POST_ROLL: 'POSITION_POST_ROLL',
} as const;

export type Position =
  | 'POSITION_UNSPECIFIED'
  | 0
  | 'POSITION_PRE_ROLL'
  | 1
  | 'POSITION_MID_ROLL'
  | 2
  | 'POSITION_POST_ROLL'
  | 3

export type Position__Output = typeof Position[keyof typeof Position]
