/**
 * The descriptor-driven wire check (services/common/grpc/wire-check.ts):
 * whole messages pass, and whatever the contract's decoder cannot read back
 * is refused, nested messages and map entries included, without decoding.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { v1 } from '../../../services/common/grpc/proto';
import { wireChecker } from '../../../services/common/grpc/wire-check';
import { decodeDecision, encodeDecision } from '../../../services/common/state/decisions';
import { decisionRecord } from '../../support/decision-record';

const checkRecord = wireChecker('parley.v1.DecisionRecord');
const record = encodeDecision(decisionRecord('req-1')).bytes;

describe('wire check', () => {
  it('passes whole messages of the type, empty ones included', () => {
    expect(() => checkRecord(record)).not.toThrow();
    expect(() => checkRecord(Buffer.alloc(0))).not.toThrow();
  });

  it('refuses a message broken inside a nested message or a map entry, naming where', () => {
    // Field 4 (the request) holding a tag whose value is missing.
    expect(() => checkRecord(Buffer.concat([record, Buffer.from([0x22, 0x01, 0x0a])]))).toThrow(
      /not a valid parley.v1.DecisionRecord: truncated varint/,
    );
    // Field 12 (the agents map): an entry whose value (an AgentReport) holds a string longer than it.
    const entry = [0x12, 0x03, 0x0a, 0x05, 0x61];
    expect(() => checkRecord(Buffer.from([0x62, entry.length, ...entry]))).toThrow(/truncated field/);
  });

  it('refuses a known field on the wrong wire type and field number 0; skips unknown fields', () => {
    // request_id (a string) sent as a varint.
    expect(() => checkRecord(Buffer.from([0x08, 0x01]))).toThrow(/field 1 has wire type 0, expected 2/);
    expect(() => checkRecord(Buffer.from([0x02, 0x00]))).toThrow(/field number 0/);
    expect(() => checkRecord(Buffer.from([0x0b]))).toThrow(/wire type 3/);
    // Field 99 (unknown), a varint: a decoder skips it, so does the check.
    expect(() => checkRecord(Buffer.concat([record, Buffer.from([0x98, 0x06, 0x05])]))).not.toThrow();
  });

  it('takes packed and unpacked repeated scalars, and refuses a truncated packed run', () => {
    const checkResponse = wireChecker('parley.v1.DecideResponse');
    const response = v1.AdDecision.service.Decide.responseSerialize({
      request_id: 'r',
      no_ad_reasons: ['REASON_NO_ELIGIBLE_CANDIDATES', 'REASON_DEADLINE_TOO_SHORT'],
    });
    expect(() => checkResponse(response)).not.toThrow();
    // Field 4 (no_ad_reasons) unpacked: a varint per element.
    expect(() => checkResponse(Buffer.from([0x20, 0x01, 0x20, 0x02]))).not.toThrow();
    // Packed, with its last varint cut off.
    expect(() => checkResponse(Buffer.from([0x22, 0x02, 0x01, 0x80]))).toThrow(/truncated varint/);
  });

  it('refuses every corruption the decoder refuses (random bytes flipped or cut)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(record.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(record.length),
        (flips, cut) => {
          const bytes = Buffer.from(record.subarray(0, cut));
          for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
          let decoded = true;
          try {
            decodeDecision(bytes);
          } catch {
            decoded = false;
          }
          if (!decoded) expect(() => checkRecord(bytes)).toThrow();
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});
