/**
 * Loads the parley.v1 contract once, with the same options the generated
 * types in proto/gen were made with (npm run gen), so runtime objects and
 * static types agree.
 */

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AdDecisionProto } from '../../../proto/gen/ad_decision';
import type { ProtoGrpcType as AdminProto } from '../../../proto/gen/admin';
import type { ProtoGrpcType as AgentProto } from '../../../proto/gen/agent';
import type { ProtoGrpcType as ContextProto } from '../../../proto/gen/context';
import type { ProtoGrpcType as FederatedProto } from '../../../proto/gen/federated';
import type { ProtoGrpcType as ObjectiveProto } from '../../../proto/gen/objective';
import { projectPath } from '../paths';

export const PROTO_DIR = projectPath('proto');

export const PROTO_FILES = [
  'parley/v1/common.proto',
  'parley/v1/ad_decision.proto',
  'parley/v1/context.proto',
  'parley/v1/objective.proto',
  'parley/v1/federated.proto',
  'parley/v1/admin.proto',
  'parley/v1/agent.proto',
];

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export const packageDefinition = protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS);

type Parley = AdDecisionProto & AgentProto & ContextProto & ObjectiveProto & FederatedProto & AdminProto;

export const v1 = (grpc.loadPackageDefinition(packageDefinition) as unknown as Parley).parley.v1;

/** Fully-qualified service names, as health checks and reflection know them. */
export const SERVICE_NAMES = {
  adDecision: 'parley.v1.AdDecision',
  context: 'parley.v1.ContextAgent',
  objective: 'parley.v1.ObjectiveAgent',
  federated: 'parley.v1.FederatedAggregator',
  admin: 'parley.v1.Admin',
  agent: 'parley.v1.Agent',
} as const;
