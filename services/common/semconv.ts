/**
 * Every span and attribute name parley emits, in one place, so a rename in
 * the OpenTelemetry semantic conventions (the rpc.* names are moving) is a
 * one-file change.
 */
export const ATTR = {
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  rpcStatusCode: 'rpc.grpc.status_code',
  requestId: 'parley.request_id',
  round: 'parley.negotiation.round',
  rounds: 'parley.negotiation.rounds',
  scenario: 'parley.context.scenario',
  candidatesProposed: 'parley.candidates.proposed',
  candidatesEligible: 'parley.candidates.eligible',
  candidatesRemoved: 'parley.candidates.removed',
  chosenCreative: 'parley.decision.creative_ids',
  utility: 'parley.decision.utility',
  noAd: 'parley.decision.no_ad',
  degraded: 'parley.decision.degraded',
  modelVersion: 'parley.model_version',
  reservations: 'parley.commit.reserved',
  rejectedCommits: 'parley.commit.rejected',
} as const;

export const SPAN = {
  decide: 'parley.v1.AdDecision/Decide',
  reportOutcome: 'parley.v1.AdDecision/ReportOutcome',
  assess: 'parley.v1.ContextAgent/Assess',
  assessStream: 'parley.v1.ContextAgent/AssessStream',
  observe: 'parley.v1.ContextAgent/Observe',
  propose: 'parley.v1.InventoryAgent/Negotiate',
  evaluate: 'parley.v1.ObjectiveAgent/Negotiate.evaluate',
  commit: 'parley.v1.ObjectiveAgent/Negotiate.commit',
  recordOutcome: 'parley.v1.ObjectiveAgent/RecordOutcome',
  round: 'parley.negotiation.round',
} as const;
