export * from './graph';
export * from './prg';
export * from './protocol';
export * from './quantize';
export * from './shamir';
