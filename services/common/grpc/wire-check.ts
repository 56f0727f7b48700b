/**
 * Whether bytes are a well-formed message of a contract type, checked
 * against its descriptor without decoding it: every field's framing
 * (varints end, lengths stay inside their message, no field number 0, no
 * groups), every known field's wire type against its declared type, and
 * every nested message (map entries included) the same way, recursively.
 * Unknown fields are skipped by their wire type, as a decoder would.
 *
 * It answers what a full decode would be asked for (can these bytes be read
 * back?) for a fraction of its cost: it builds no objects. The admin service
 * checks each decision record it is sent this way (state/decisions.ts).
 */
import { packageDefinition } from './proto';

interface FieldShape {
  type: string;
  typeName: string;
  label: string;
}
interface MessageShape {
  field: Array<FieldShape & { number: number }>;
  nestedType?: Array<MessageShape & { name: string }>;
}

/** Wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit. */
const WIRE_OF: Record<string, number> = {
  TYPE_DOUBLE: 1,
  TYPE_FIXED64: 1,
  TYPE_SFIXED64: 1,
  TYPE_FLOAT: 5,
  TYPE_FIXED32: 5,
  TYPE_SFIXED32: 5,
  TYPE_STRING: 2,
  TYPE_BYTES: 2,
  TYPE_MESSAGE: 2,
};

interface CompiledField {
  wire: number;
  packable: boolean;
  message: Compiled | null;
}
interface Compiled {
  /** By field number (the contract's are small). */
  fields: Array<CompiledField | undefined>;
}

const compiled = new Map<MessageShape, Compiled>();

function compile(shape: MessageShape): Compiled {
  const known = compiled.get(shape);
  if (known) return known;
  const c: Compiled = { fields: [] };
  compiled.set(shape, c); // before the fields: a message may contain itself
  for (const f of shape.field) {
    const wire = WIRE_OF[f.type] ?? 0;
    const message = f.type === 'TYPE_MESSAGE' ? compile(shapeOf(f.typeName, shape)) : null;
    c.fields[f.number] = { wire, packable: f.label === 'LABEL_REPEATED' && wire !== 2, message };
  }
  return c;
}

function shapeOf(typeName: string, parent: MessageShape): MessageShape {
  const nested = parent.nestedType?.find((n) => n.name === typeName);
  if (nested) return nested;
  const name = typeName.startsWith('.') ? typeName.slice(1) : typeName;
  const def = (packageDefinition[name] ?? packageDefinition[`parley.v1.${name}`]) as
    | { type?: MessageShape }
    | undefined;
  if (!def?.type?.field) throw new Error(`wire-check: no message type ${typeName}`);
  return def.type;
}

/** A checker for one contract message type, e.g. 'parley.v1.DecisionRecord'. */
export function wireChecker(typeName: string): (bytes: Uint8Array) => void {
  const root = compile(shapeOf(typeName, { field: [] }));
  return (bytes) => check(bytes, 0, bytes.length, root, typeName);
}

/** Reads a varint at `at` (below `end`): the position after it, or -1 when truncated or too long. */
function skipVarint(bytes: Uint8Array, at: number, end: number): number {
  for (let i = at; i < end && i < at + 10; i++) if (bytes[i]! < 0x80) return i + 1;
  return -1;
}

/** The varint at `at` (below `end`), up to 2^53 (tags and lengths); NaN when truncated or too long. */
function varintAt(bytes: Uint8Array, at: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
  return Number.NaN;
}

function check(bytes: Uint8Array, start: number, end: number, shape: Compiled, where: string): void {
  let pos = start;
  while (pos < end) {
    // The tag: one byte for the contract's field numbers (below 16), else a varint.
    let tag = bytes[pos]!;
    if (tag < 0x80) pos++;
    else {
      tag = varintAt(bytes, pos, end);
      if (Number.isNaN(tag)) throw bad(where, 'truncated varint', pos);
      pos = skipVarint(bytes, pos, end);
    }
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (number === 0) throw bad(where, 'field number 0', pos);
    const field = shape.fields[number];
    if (field !== undefined && wire !== field.wire && !(field.packable && wire === 2)) {
      throw bad(where, `field ${number} has wire type ${wire}, expected ${field.wire}`, pos);
    }
    if (wire === 0) {
      pos = skipVarint(bytes, pos, end);
      if (pos < 0) throw bad(where, 'truncated varint', end);
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let len = bytes[pos]!;
      if (pos < end && len < 0x80) pos++;
      else {
        len = varintAt(bytes, pos, end);
        if (Number.isNaN(len)) throw bad(where, 'truncated varint', pos);
        pos = skipVarint(bytes, pos, end);
      }
      if (pos + len > end) throw bad(where, 'truncated field', pos);
      if (field?.message) check(bytes, pos, pos + len, field.message, where);
      else if (field?.packable) checkPacked(bytes, pos, pos + len, field.wire, where);
      pos += len;
    } else throw bad(where, `wire type ${wire}`, pos);
    if (pos > end) throw bad(where, 'truncated field', end);
  }
}

function bad(where: string, problem: string, at: number): Error {
  return new Error(`not a valid ${where}: ${problem} at byte ${at}`);
}

/** A packed repeated scalar: whole varints, or whole 8- or 4-byte values. */
function checkPacked(bytes: Uint8Array, from: number, to: number, wire: number, where: string): void {
  if (wire !== 0) {
    if ((to - from) % (wire === 1 ? 8 : 4) !== 0) throw bad(where, 'truncated packed field', from);
    return;
  }
  for (let i = from; i < to; ) {
    i = skipVarint(bytes, i, to);
    if (i < 0) throw bad(where, 'truncated varint', to);
  }
}
