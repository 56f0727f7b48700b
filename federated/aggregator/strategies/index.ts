export * from './common';
export * from './fedavg';
export * from './fedavgm';
export * from './fedopt';
export * from './fedprox';
export * from './median';
export * from './multi-krum';
export * from './trimmed-mean';
export type * from './types';
