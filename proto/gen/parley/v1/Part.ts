// Original file: proto/parley/v1/common.proto

export const Part = {
  PART_UNSPECIFIED: 'PART_UNSPECIFIED',
  PART_CONTEXT: 'PART_CONTEXT',
  PART_INVENTORY: 'PART_INVENTORY',
  PART_OBJECTIVE: 'PART_OBJECTIVE',
} as const;

export type Part =
  | 'PART_UNSPECIFIED'
  | 0
  | 'PART_CONTEXT'
  | 1
  | 'PART_INVENTORY'
  | 2
  | 'PART_OBJECTIVE'
  | 3

export type Part__Output = typeof Part[keyof typeof Part]
