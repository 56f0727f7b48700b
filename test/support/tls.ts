/**
 * Certificates for the tests that run mTLS: scripts/dev-certs.sh into a
 * directory of the test's own, channel credentials for one identity, and the
 * secret material (key and certificate bodies) a log or span must never show.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { channelCredentials, transportFrom } from '../../services/common/grpc/tls';
import { projectPath } from '../../services/common/paths';

/** Makes a CA and a certificate per `name:role` in `dir` (scripts/dev-certs.sh). */
export function devCerts(dir: string, identities: string[]): void {
  execFileSync('bash', [projectPath('scripts', 'dev-certs.sh'), dir, ...identities], { stdio: 'ignore' });
}

/** Credentials that show `identity`'s certificate from `dir` and trust `dir`'s CA. */
export function credentialsOf(dir: string, identity: string): grpc.ChannelCredentials {
  return channelCredentials(transportFrom({ PARLEY_TLS_DIR: dir }, identity));
}

/**
 * Every base64 line of every key and certificate in `dirs`: none may appear
 * in a log line or a span (a line is 64 characters: no false match by chance).
 */
export function secretLines(...dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.key') || f.endsWith('.crt'))
      .flatMap((f) =>
        readFileSync(join(dir, f), 'utf8')
          .split('\n')
          .filter((l) => l.length >= 32 && !l.startsWith('-----')),
      ),
  );
}
