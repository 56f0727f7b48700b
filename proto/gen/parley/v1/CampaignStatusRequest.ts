// Original file: proto/parley/v1/objective.proto


export interface CampaignStatusRequest {
}

export interface CampaignStatusRequest__Output {
}
