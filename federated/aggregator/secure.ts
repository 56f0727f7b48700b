/**
 * Secure aggregation in a round: the selected clients of a Coordinator round
 * run the Bonawitz et al. protocol (federated/secagg) and the server learns
 * only the SUM of the survivors' (clipped, optionally DP-noised) updates,
 * which it hands to `Coordinator.aggregateSecureSum`.
 *
 * `SecureRound` is the server side of one round: it maps client ids to
 * protocol indices, fixes the roster, routes the encrypted shares, collects
 * masked inputs and unmasking responses, and recovers the sum. Clients that
 * drop after sharing keys (before or after uploading) are tolerated down to
 * the threshold t. This file does not carry the protocol over gRPC (the
 * messages are in-process objects); see federated/README.md.
 */
import {
  type EncryptedShares,
  fixedPointFor,
  type KeyAdvert,
  type RandomBytes,
  type SecAggParams,
  SecAggServer,
  type UnmaskResponse,
} from '../secagg';
import type { Coordinator } from './coordinator';

export interface SecureRoundOptions {
  vectorLength: number;
  /** Shamir threshold t: fewest survivors. */
  threshold: number;
  /** Fixed-point range: ≥ clip norm plus headroom for DP noise. */
  range: number;
  /** Most clients the fixed-point encoding must sum without overflow. */
  maxClients: number;
  randomBytes?: RandomBytes;
}

export function secAggParams(o: SecureRoundOptions): SecAggParams {
  return {
    vectorLength: o.vectorLength,
    threshold: o.threshold,
    fixedPoint: fixedPointFor(o.range, o.maxClients),
    randomBytes: o.randomBytes,
  };
}

export class SecureRound {
  readonly params: SecAggParams;
  private readonly server: SecAggServer;
  private readonly indexOf = new Map<string, number>();
  private readonly idOf = new Map<number, string>();
  private readonly examples = new Map<string, number>();

  constructor(
    readonly roundId: number,
    clientIds: readonly string[],
    options: SecureRoundOptions,
  ) {
    this.params = secAggParams(options);
    this.server = new SecAggServer(this.params);
    clientIds.forEach((id, i) => {
      this.indexOf.set(id, i + 1);
      this.idOf.set(i + 1, id);
    });
  }

  /** The protocol index (Shamir x-coordinate) of a client. */
  index(clientId: string): number {
    const i = this.indexOf.get(clientId);
    if (i === undefined) throw new RangeError(`client ${clientId} is not in secure round ${this.roundId}`);
    return i;
  }

  setRoster(adverts: readonly KeyAdvert[]): KeyAdvert[] {
    return this.server.setRoster(adverts);
  }

  routeShares(messages: readonly EncryptedShares[]): Map<number, EncryptedShares[]> {
    return this.server.routeShares(messages);
  }

  receiveMaskedInput(clientId: string, masked: Uint32Array, numExamples: number): void {
    this.server.receiveMaskedInput(this.index(clientId), masked);
    this.examples.set(clientId, numExamples);
  }

  survivors(): number[] {
    return this.server.survivors();
  }

  /** Recovers the sum and applies it to the coordinator's round. */
  async finish(
    responses: readonly UnmaskResponse[],
    coordinator: Coordinator,
  ): Promise<{ sum: Float64Array; contributors: string[] }> {
    const result = this.server.aggregate(responses);
    const contributors = result.survivors.map((i) => this.idOf.get(i)!);
    const total = contributors.reduce((s, id) => s + (this.examples.get(id) ?? 0), 0);
    await coordinator.aggregateSecureSum(this.roundId, contributors, result.sum, total);
    return { sum: result.sum, contributors };
  }
}
