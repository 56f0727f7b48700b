/** The federated aggregator (see federated/README.md). */
export * from './coordinator';
export * from './publish';
export * from './secure';
export * from './server';
export * from './store';
export * from './store-redis';
export * from './strategy-config';
