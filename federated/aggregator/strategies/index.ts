export * from './common';
export * from './fedadam';
export * from './fedavg';
export * from './median';
export * from './multi-krum';
export * from './trimmed-mean';
export type * from './types';
