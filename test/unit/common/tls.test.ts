/**
 * Where a process's transport security comes from (services/common/grpc/tls.ts):
 * plaintext only when PARLEY_PLAINTEXT says so, otherwise the certificates of
 * PARLEY_TLS_DIR + identity or the three explicit files, and a clear error
 * naming the variable when something is missing.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IP_SERVERNAME_WARNING,
  isPlaintext,
  muteIpServernameWarning,
  rememberPeerCertificates,
  transportFrom,
} from '../../../services/common/grpc/tls';
import { devCerts } from '../../support/tls';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-tls-unit-'));
  devCerts(dir, ['broker:service', 'ads:ad-server', 'ops:operator']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('transportFrom', () => {
  it('is plaintext only when PARLEY_PLAINTEXT is 1 (on, true); unset or 0 means mTLS; anything else is an error', () => {
    expect(isPlaintext({ PARLEY_PLAINTEXT: '1' })).toBe(true);
    expect(isPlaintext({ PARLEY_PLAINTEXT: 'true' })).toBe(true);
    expect(isPlaintext({})).toBe(false);
    expect(isPlaintext({ PARLEY_PLAINTEXT: '0' })).toBe(false);
    expect(() => isPlaintext({ PARLEY_PLAINTEXT: 'maybe' })).toThrow(/^PARLEY_PLAINTEXT: expected 1/);
  });

  it("reads ca.crt and the identity's certificate and key from PARLEY_TLS_DIR", () => {
    const t = transportFrom({ PARLEY_TLS_DIR: dir }, 'broker');
    expect(t.mode).toBe('mtls');
    if (t.mode !== 'mtls') return;
    expect(t.files.ca.equals(readFileSync(join(dir, 'ca.crt')))).toBe(true);
    expect(t.files.cert.equals(readFileSync(join(dir, 'broker.crt')))).toBe(true);
    expect(t.files.key.equals(readFileSync(join(dir, 'broker.key')))).toBe(true);
    // PARLEY_TLS_IDENTITY names it when the caller does not.
    expect(transportFrom({ PARLEY_TLS_DIR: dir, PARLEY_TLS_IDENTITY: 'broker' }).mode).toBe('mtls');
  });

  it('takes three explicit files instead, all three or none', () => {
    const env = {
      PARLEY_TLS_CA: join(dir, 'ca.crt'),
      PARLEY_TLS_CERT: join(dir, 'broker.crt'),
      PARLEY_TLS_KEY: join(dir, 'broker.key'),
    };
    expect(transportFrom(env).mode).toBe('mtls');
    expect(() => transportFrom({ ...env, PARLEY_TLS_KEY: '' })).toThrow(
      'PARLEY_TLS_CA, PARLEY_TLS_CERT and PARLEY_TLS_KEY go together: set all three',
    );
  });

  it('names what is missing: the identity, or a file with the way to make it', () => {
    expect(() => transportFrom({ PARLEY_TLS_DIR: dir })).toThrow(
      /^PARLEY_TLS_IDENTITY: name this process's certificate/,
    );
    expect(() => transportFrom({ PARLEY_TLS_DIR: dir }, 'context')).toThrow(
      `PARLEY_TLS_DIR (certificate of "context"): cannot read ${join(dir, 'context.crt')} (ENOENT); make development certificates with scripts/dev-certs.sh ${dir}`,
    );
  });
});

describe('muteIpServernameWarning', () => {
  it("drops Node's warning about an IP as TLS server name, and only that one", async () => {
    const seen: string[] = [];
    const listener = (w: Error & { code?: string }) => seen.push(w.code ?? w.message);
    process.on('warning', listener);
    try {
      muteIpServernameWarning();
      process.emitWarning('an IP as server name', 'DeprecationWarning', IP_SERVERNAME_WARNING);
      process.emitWarning('an IP as server name', {
        type: 'DeprecationWarning',
        code: IP_SERVERNAME_WARNING,
      });
      process.emitWarning('something else', 'DeprecationWarning', 'DEP0999');
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual(['DEP0999']);
    } finally {
      process.off('warning', listener);
    }
  });
});

describe('rememberPeerCertificates', () => {
  const file = (name: string) => readFileSync(join(dir, name));
  const serverOptions = () => ({
    ca: file('ca.crt'),
    cert: file('broker.crt'),
    key: file('broker.key'),
    requestCert: true,
    rejectUnauthorized: true,
  });
  const clientOptions = (identity: string) => ({
    ca: file('ca.crt'),
    cert: file(`${identity}.crt`),
    key: file(`${identity}.key`),
    servername: 'localhost',
  });

  it('answers each HTTP/2 connection with its own client certificate, read once', async () => {
    rememberPeerCertificates();
    const seen: Array<{
      first: tls.PeerCertificate;
      second: tls.PeerCertificate;
      fresh: tls.PeerCertificate;
    }> = [];
    const server = http2.createSecureServer(serverOptions(), (req, res) => {
      const socket = req.socket as tls.TLSSocket;
      seen.push({
        first: socket.getPeerCertificate(),
        second: socket.getPeerCertificate(),
        fresh: socket.getPeerCertificate(true),
      });
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      for (const identity of ['ads', 'ops']) {
        const session = http2.connect(`https://127.0.0.1:${port}`, clientOptions(identity));
        const req = session.request({ ':path': '/' });
        req.resume();
        await once(req, 'end');
        session.close();
      }
    } finally {
      server.close();
    }
    expect(seen.map((s) => s.first.subject.CN)).toEqual(['ads', 'ops']);
    for (const s of seen) {
      expect(s.second).toBe(s.first);
      // The detailed form is read afresh, and agrees.
      expect(s.fresh).not.toBe(s.first);
      expect(s.fresh.fingerprint256).toBe(s.first.fingerprint256);
    }
  });

  it('leaves TLS connections that are not HTTP/2 alone', async () => {
    rememberPeerCertificates();
    const certs: tls.PeerCertificate[] = [];
    const server = tls.createServer(serverOptions(), (socket) => {
      certs.push(socket.getPeerCertificate(), socket.getPeerCertificate());
      socket.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const client = tls.connect({ port, host: '127.0.0.1', ...clientOptions('ads') });
      client.resume();
      await once(client, 'end');
      client.destroy();
    } finally {
      server.close();
    }
    expect(certs[0]!.subject.CN).toBe('ads');
    expect(certs[1]).not.toBe(certs[0]);
  });
});
