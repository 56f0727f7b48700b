// Original file: proto/parley/v1/common.proto

export const ContentKind = {
  CONTENT_KIND_UNSPECIFIED: 'CONTENT_KIND_UNSPECIFIED',
  CONTENT_KIND_MUSIC: 'CONTENT_KIND_MUSIC',
  CONTENT_KIND_PODCAST: 'CONTENT_KIND_PODCAST',
  CONTENT_KIND_AUDIOBOOK: 'CONTENT_KIND_AUDIOBOOK',
  CONTENT_KIND_RADIO: 'CONTENT_KIND_RADIO',
} as const;

export type ContentKind =
  | 'CONTENT_KIND_UNSPECIFIED'
  | 0
  | 'CONTENT_KIND_MUSIC'
  | 1
  | 'CONTENT_KIND_PODCAST'
  | 2
  | 'CONTENT_KIND_AUDIOBOOK'
  | 3
  | 'CONTENT_KIND_RADIO'
  | 4

export type ContentKind__Output = typeof ContentKind[keyof typeof ContentKind]
