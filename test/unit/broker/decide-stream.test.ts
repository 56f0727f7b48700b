/**
 * DecideStream's server end (services/broker/decide-stream.ts) without
 * sockets: each request runs through the unary handler, results leave
 * coalesced, and the stream ends only once every request is answered, also
 * when the client has already ended its side.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { DecideResults } from '../../../proto/gen/parley/v1/DecideResults';
import { decideStream } from '../../../services/broker/decide-stream';
import { createLogger } from '../../../services/common/log';

class FakeServerStream extends EventEmitter {
  written: DecideResults[] = [];
  endedByServer = false;
  write(msg: DecideResults): boolean {
    this.written.push(msg);
    return true;
  }
  end(): void {
    this.endedByServer = true;
  }
  getHost = () => '127.0.0.1:50051';
  getPeer = () => 'ipv4:127.0.0.1:1';
  getDeadline = () => Number.POSITIVE_INFINITY;
  getAuthContext = () => ({});
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('decideStream', () => {
  it('answers every request of a client that ended its side before the answers were ready', async () => {
    const answers: Array<() => void> = [];
    const handler = decideStream(
      (call, callback) => {
        answers.push(() => callback(null, { request_id: call.request.request_id, no_ad: true }));
      },
      createLogger('test', 'error'),
    );
    const stream = new FakeServerStream();
    handler(stream as never);
    stream.emit('data', { requests: [{ request_id: 'a' }, { request_id: 'b' }] });
    stream.emit('end'); // the client sent everything it had
    await settle();
    expect(stream.endedByServer).toBe(false);
    for (const answer of answers) answer();
    await settle();
    const ids = stream.written.flatMap((m) => (m.results ?? []).map((r) => r.request_id));
    expect(ids.sort()).toEqual(['a', 'b']);
    expect(stream.endedByServer).toBe(true);
  });
});
