/**
 * The federated wire format cannot carry a raw listener event: walking every
 * message reachable from the FederatedAggregator service, each field must be
 * a number, bool or enum (update tensors, counts, round metadata), one of a
 * few bounded id/metadata strings, one of the named opaque byte fields of
 * secure aggregation (public keys, encrypted shares, revealed Shamir shares),
 * or a message of federated.proto itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDefinition } from '../../../services/common/grpc/proto';

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
}
interface MethodDefinition {
  requestType: { type: MessageDescriptor };
  responseType: { type: MessageDescriptor };
}

const NUMERIC = new Set([
  'TYPE_DOUBLE',
  'TYPE_FLOAT',
  'TYPE_INT32',
  'TYPE_INT64',
  'TYPE_UINT32',
  'TYPE_UINT64',
  'TYPE_SINT32',
  'TYPE_SINT64',
  'TYPE_FIXED32',
  'TYPE_FIXED64',
  'TYPE_SFIXED32',
  'TYPE_SFIXED64',
  'TYPE_BOOL',
]);
/** Strings allowed: the client's pseudonymous id and the server's strategy / mode names. */
const METADATA_STRINGS = new Set(['client_id', 'strategy', 'mode']);
/**
 * Repeated numeric fields allowed: the model tensor, the update tensor, the
 * masked (quantised, mod 2^32) update tensor and the survivor index list.
 */
const TENSORS = new Set(['weights', 'values', 'masked_values', 'survivor_indices']);
/**
 * Bytes allowed, by exact message and field: X25519 public keys, AES-GCM
 * encrypted share bundles (only the recipient can read them) and the Shamir
 * shares of secure aggregation's unmasking round. Nowhere else.
 */
const OPAQUE_BYTES = new Set([
  'parley.v1.AdvertiseKeysRequest.share_encryption_public_key',
  'parley.v1.AdvertiseKeysRequest.mask_agreement_public_key',
  'parley.v1.ClientKeys.share_encryption_public_key',
  'parley.v1.ClientKeys.mask_agreement_public_key',
  'parley.v1.EncryptedShare.encrypted_share',
  'parley.v1.ShamirShare.shamir_share',
]);

const FEDERATED_MESSAGES = new Set(
  [
    ...readFileSync(join(import.meta.dirname, '../../../proto/parley/v1/federated.proto'), 'utf8').matchAll(
      /^(?:message|enum) (\w+)/gm,
    ),
  ].map((m) => `parley.v1.${m[1]}`),
);

function message(fullName: string): MessageDescriptor {
  const def = packageDefinition[fullName] as unknown as { type: MessageDescriptor } | undefined;
  if (!def) throw new Error(`no descriptor for ${fullName}`);
  return def.type;
}

/** Every problem with one message's fields, and the message types it references. */
function audit(
  fullName: string,
  descriptor: MessageDescriptor = message(fullName),
): { problems: string[]; refs: string[] } {
  const problems: string[] = [];
  const refs: string[] = [];
  for (const f of descriptor.field) {
    const where = `${fullName}.${f.name}`;
    const repeated = f.label === 'LABEL_REPEATED';
    const bare = f.typeName.replace(/^\./, '');
    const ref = bare && !bare.includes('.') ? `parley.v1.${bare}` : bare;
    if (NUMERIC.has(f.type)) {
      if (repeated && !TENSORS.has(f.name)) problems.push(`${where}: repeated number outside a tensor field`);
    } else if (f.type === 'TYPE_ENUM') {
      if (!FEDERATED_MESSAGES.has(ref))
        problems.push(`${where}: enum ${ref} is not defined in federated.proto`);
    } else if (f.type === 'TYPE_STRING') {
      if (!METADATA_STRINGS.has(f.name) || repeated) problems.push(`${where}: free-form string`);
    } else if (f.type === 'TYPE_BYTES') {
      if (!OPAQUE_BYTES.has(where) || repeated) problems.push(`${where}: free-form bytes`);
    } else if (f.type === 'TYPE_MESSAGE') {
      if (!FEDERATED_MESSAGES.has(ref))
        problems.push(`${where}: message ${ref} is not defined in federated.proto`);
      else refs.push(ref);
    } else {
      problems.push(`${where}: ${f.type} can carry arbitrary data`);
    }
  }
  return { problems, refs };
}

function walkService(service: string): { problems: string[]; seen: Set<string> } {
  const methods = packageDefinition[service] as unknown as Record<string, MethodDefinition>;
  const queue = Object.values(methods).flatMap((m) => [
    `parley.v1.${m.requestType.type.name}`,
    `parley.v1.${m.responseType.type.name}`,
  ]);
  const seen = new Set<string>();
  const problems: string[] = [];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const r = audit(name);
    problems.push(...r.problems);
    queue.push(...r.refs);
  }
  return { problems, seen };
}

describe('federated.proto carries no raw listener event', () => {
  it('every field reachable from the service is a tensor, a count, an id or round metadata', () => {
    const { problems, seen } = walkService('parley.v1.FederatedAggregator');
    expect(problems).toEqual([]);
    expect([...seen].sort()).toEqual(
      [
        'parley.v1.JoinRoundRequest',
        'parley.v1.JoinRoundReply',
        'parley.v1.TrainingPlan',
        'parley.v1.UpdateChunk',
        'parley.v1.UploadReply',
        'parley.v1.RoundStatusRequest',
        'parley.v1.RoundStatusReply',
        'parley.v1.PrivacySpend',
        'parley.v1.SecureAggregationPlan',
        'parley.v1.SecureAggregationProgress',
        'parley.v1.AdvertiseKeysRequest',
        'parley.v1.ClientKeys',
        'parley.v1.KeyRoster',
        'parley.v1.EncryptedShare',
        'parley.v1.ShareKeysRequest',
        'parley.v1.ShareKeysReply',
        'parley.v1.MaskedInputChunk',
        'parley.v1.MaskedInputReply',
        'parley.v1.ShamirShare',
        'parley.v1.UnmaskRequest',
        'parley.v1.UnmaskReply',
      ].sort(),
    );
  });

  it('federated.proto imports nothing (so no listener type can be referenced)', () => {
    const source = readFileSync(
      join(import.meta.dirname, '../../../proto/parley/v1/federated.proto'),
      'utf8',
    );
    expect(source).not.toMatch(/^import /m);
  });

  it('the audit does flag messages that could carry listener data', () => {
    // The inventory agent's request carries signals and context: the same walk must reject it.
    const { problems } = audit('parley.v1.ProposeRequest');
    expect(problems.some((p) => p.includes('ListenerSignals'))).toBe(true);
    expect(problems.some((p) => p.includes('request_id: free-form string'))).toBe(true);
  });

  it('bytes are refused everywhere but the named key / share fields, even under an allowed name', () => {
    const field = (name: string, type: string, label = 'LABEL_OPTIONAL'): FieldDescriptor => ({
      name,
      type,
      label,
      typeName: '',
    });
    // a bytes field that could smuggle a serialised listener event
    expect(
      audit('parley.v1.Fake', { name: 'Fake', field: [field('raw_event', 'TYPE_BYTES')] }).problems,
    ).toEqual(['parley.v1.Fake.raw_event: free-form bytes']);
    // an allowed field name in another message is not enough
    expect(
      audit('parley.v1.UpdateChunk', {
        name: 'UpdateChunk',
        field: [
          field('encrypted_share', 'TYPE_BYTES'),
          field('shamir_share', 'TYPE_BYTES', 'LABEL_REPEATED'),
        ],
      }).problems,
    ).toHaveLength(2);
    // nor is repeating an allowed one
    expect(
      audit('parley.v1.EncryptedShare', {
        name: 'EncryptedShare',
        field: [field('encrypted_share', 'TYPE_BYTES', 'LABEL_REPEATED')],
      }).problems,
    ).toHaveLength(1);
    // and a repeated number outside the named tensors is flagged too
    expect(
      audit('parley.v1.Fake', {
        name: 'Fake',
        field: [field('listen_seconds', 'TYPE_FIXED32', 'LABEL_REPEATED')],
      }).problems,
    ).toEqual(['parley.v1.Fake.listen_seconds: repeated number outside a tensor field']);
  });

  it('every allowed bytes field exists (the allowlist does not rot)', () => {
    for (const qualified of OPAQUE_BYTES) {
      const at = qualified.lastIndexOf('.');
      const f = message(qualified.slice(0, at)).field.find((x) => x.name === qualified.slice(at + 1));
      expect(f?.type, qualified).toBe('TYPE_BYTES');
    }
  });
});
