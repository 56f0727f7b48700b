/**
 * Server reflection that stock tools accept (grpcurl, Postman, Python's and
 * Go's protobuf): each server reflects exactly the services it serves, and
 * the descriptors name map entries as protoc does.
 *
 * proto-loader builds its descriptors with protobufjs, which names a map
 * field's entry message after the field ("Terms" for `map<…> terms`) and
 * refers to it by a relative name. protoc, and every protobuf runtime that
 * validates descriptors, require `<CamelCaseField>Entry` ("TermsEntry"):
 * Python refuses the file ("map_entry should not be set explicitly"), Go
 * ("incorrect implicit map entry name"). The fix renames the entries and
 * points their fields at them by their full names.
 */
import { createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import descriptor from 'protobufjs/ext/descriptor/index.js';

interface Message {
  name?: string;
  field?: Array<{ name?: string; typeName?: string }>;
  nestedType?: Message[];
  options?: { mapEntry?: boolean };
}

/** protoc's name of a map field's entry message: `critiques` → `CritiquesEntry`, `data_map` → `DataMapEntry`. */
export function mapEntryName(field: string): string {
  const camel = field.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

function fixMessage(m: Message, scope: string): void {
  const full = `${scope}.${m.name}`;
  for (const nested of m.nestedType ?? []) {
    if (nested.options?.mapEntry) {
      const old = nested.name ?? '';
      const field = (m.field ?? []).find((f) => f.typeName === old || f.typeName === `${full}.${old}`);
      if (field?.name) {
        nested.name = mapEntryName(field.name);
        field.typeName = `${full}.${nested.name}`;
      }
    }
    fixMessage(nested, full);
  }
}

/** One encoded FileDescriptorProto with its map entries named as protoc names them. */
export function withProtocMapEntries(bytes: Uint8Array): Uint8Array {
  const file = descriptor.FileDescriptorProto.decode(bytes) as unknown as {
    package?: string;
    messageType?: Message[];
  };
  const scope = file.package ? `.${file.package}` : '';
  for (const m of file.messageType ?? []) fixMessage(m, scope);
  return descriptor.FileDescriptorProto.encode(file as never).finish();
}

/** `pkg` with every definition's file descriptors fixed (each distinct file once). */
function protocCompatible(pkg: PackageDefinition): PackageDefinition {
  const fixed = new Map<string, Buffer>();
  const fix = (b: Buffer) => {
    const key = createHash('sha1').update(b).digest('hex');
    let out = fixed.get(key);
    if (!out) {
      out = Buffer.from(withProtocMapEntries(b));
      fixed.set(key, out);
    }
    return out;
  };
  return Object.fromEntries(
    Object.entries(pkg).map(([name, def]) => {
      const files = (def as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
      return [name, Array.isArray(files) ? { ...def, fileDescriptorProtos: files.map(fix) } : def];
    }),
  ) as PackageDefinition;
}

let compatible: { from: PackageDefinition; to: PackageDefinition } | null = null;

/** Adds server reflection for exactly `services` (fully-qualified names) of `pkg` to `server`. */
export function addReflection(
  server: grpc.Server,
  pkg: PackageDefinition,
  services: readonly string[],
): void {
  if (compatible?.from !== pkg) compatible = { from: pkg, to: protocCompatible(pkg) };
  new ReflectionService(compatible.to, { services: [...services] }).addToServer(server);
}
