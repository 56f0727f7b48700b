/** The client learner library (runs beside the listener; see federated/README.md). */
export * from './learner';
export * from './model';
export * from './reinforce';
export * from './transport';
