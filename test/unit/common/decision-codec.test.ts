/**
 * Decision records as bytes: encoded with the contract's own codec (what
 * GetDecision would send), decoded back to the same record, and the request
 * id read from the bytes without decoding the rest; bytes that are not a
 * well-framed message are refused with a clear error.
 */
import { describe, expect, it } from 'vitest';
import { v1 } from '../../../services/common/grpc/proto';
import {
  decodeDecision,
  encodeDecision,
  requestIdOf,
  wholeRecordId,
} from '../../../services/common/state/decisions';
import { decisionRecord } from '../../support/decision-record';

describe('decision record codec', () => {
  it('encodes with the wire codec and decodes to the same record', () => {
    const r = decisionRecord('req-1');
    const { requestId, bytes } = encodeDecision(r);
    expect(requestId).toBe('req-1');
    expect(bytes).toEqual(v1.Admin.service.GetDecision.responseSerialize(r));
    expect(decodeDecision(bytes)).toEqual(r);
  });

  it('reads the request id from the bytes alone', () => {
    const { bytes } = encodeDecision(decisionRecord('réq-ünï/42'));
    expect(requestIdOf(bytes)).toBe('réq-ünï/42');
    expect(requestIdOf(encodeDecision({ ...decisionRecord(''), request_id: '' }).bytes)).toBe('');
    expect(requestIdOf(Buffer.alloc(0))).toBe('');
  });

  it('finds the request id wherever it is, and the last one wins (as in protobuf)', () => {
    const { bytes } = encodeDecision(decisionRecord('req-1'));
    const id = (s: string) => Buffer.concat([Buffer.from([0x0a, s.length]), Buffer.from(s)]);
    expect(requestIdOf(Buffer.concat([bytes, id('req-2')]))).toBe('req-2');
  });

  it('refuses bytes that are not a well-framed message', () => {
    const { bytes } = encodeDecision(decisionRecord('req-1'));
    expect(() => requestIdOf(bytes.subarray(0, bytes.length - 3))).toThrow(
      /not a decision record: truncated/,
    );
    expect(() => requestIdOf(Buffer.from([0x0a, 0x7f, 0x41]))).toThrow(/truncated field/);
    expect(() => requestIdOf(Buffer.from([0x0a]))).toThrow(/truncated varint/);
    expect(() => requestIdOf(Buffer.from([0x0f]))).toThrow(/wire type 7/);
    expect(() => requestIdOf(Buffer.from([0x02, 0x00]))).toThrow(/field number 0/);
    expect(() => requestIdOf(Buffer.from('{"request_id":"x"}'))).toThrow(/not a decision record/);
  });

  it('takes only whole records: framed right at the top but broken inside, or wrong where the decoder is lax, is refused', () => {
    const { bytes } = encodeDecision(decisionRecord('req-1'));
    expect(wholeRecordId(bytes)).toBe('req-1');
    // Field 4 (the request) holding a tag whose value is missing: the top level reads fine, the record does not.
    const brokenInside = Buffer.concat([bytes, Buffer.from([0x22, 0x01, 0x0a])]);
    expect(requestIdOf(brokenInside)).toBe('req-1');
    expect(() => wholeRecordId(brokenInside)).toThrow();
    // A varint where the request id's string belongs, then field number 0: protobufjs decodes it (as "\0").
    expect(() => decodeDecision(Buffer.from([0x08, 0x01, 0x00]))).not.toThrow();
    expect(() => wholeRecordId(Buffer.from([0x08, 0x01, 0x00]))).toThrow(/field number 0/);
  });
});
