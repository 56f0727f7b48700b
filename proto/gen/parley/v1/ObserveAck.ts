// Original file: proto/parley/v1/context.proto


export interface ObserveAck {
}

export interface ObserveAck__Output {
}
