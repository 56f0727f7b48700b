// Original file: proto/parley/v1/agent.proto

import type { AgentReply as _parley_v1_AgentReply, AgentReply__Output as _parley_v1_AgentReply__Output } from '../../parley/v1/AgentReply';

export interface AgentReplies {
  'replies'?: (_parley_v1_AgentReply)[];
}

export interface AgentReplies__Output {
  'replies': (_parley_v1_AgentReply__Output)[];
}
