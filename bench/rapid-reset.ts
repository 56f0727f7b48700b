/**
 * What cancelled calls cost the other calls of a connection
 * (docs/operations.md, "Errors ad servers see"; bench/ANALYSIS.md, section
 * 18). A gRPC client cancels a call whose deadline passed with an HTTP/2
 * RST_STREAM; Node's HTTP/2 server closes a connection that sends more than
 * about 1,000 of them (its guard against the rapid-reset attack,
 * CVE-2023-44487), and every call then in flight on it fails.
 *
 * On loopback, with grpc-js alone: a server that never answers a "slow"
 * call and answers a "fast" one after `--answer-ms`; one client connection
 * sends `--calls` of each, interleaved, the slow ones with a `--deadline-ms`
 * deadline (so each is cancelled), the fast ones with a deadline of a
 * second. Prints how many fast calls failed, and with what.
 *
 *   tsx bench/rapid-reset.ts [--calls 1500] [--deadline-ms 30] [--answer-ms 20]
 */
import * as grpc from '@grpc/grpc-js';
import { numberFlag, optionsOrExit } from '../services/common/cli';
import { messageOf } from '../services/common/grpc/errors';

const args = optionsOrExit(
  process.argv.slice(2),
  {
    usage: 'npx tsx bench/rapid-reset.ts [options]',
    summary: 'What cancelled calls cost the other calls on the same HTTP/2 connection.',
    flags: {
      calls: { value: 'N', help: 'calls of each kind', default: '1500' },
      'deadline-ms': { value: 'MS', help: 'deadline of the calls that are left to time out', default: '30' },
      'answer-ms': { value: 'MS', help: 'how long the server takes to answer the others', default: '20' },
    },
  },
  ({ values: v }) => ({
    calls: numberFlag(v, 'calls', 1500, { min: 1, max: 100_000, integer: true }),
    deadlineMs: numberFlag(v, 'deadline-ms', 30, { min: 1, max: 10_000 }),
    answerMs: numberFlag(v, 'answer-ms', 20, { min: 0, max: 900 }),
  }),
);

const bytes = (b: Buffer) => b;
const service: grpc.ServiceDefinition = {
  Echo: {
    path: '/bench.RapidReset/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
};
const SLOW = Buffer.from([1]);
const FAST = Buffer.from([0]);

const server = new grpc.Server();
server.addService(service, {
  Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
    if (call.request[0] === SLOW[0]) return; // never answered: the client cancels it at its deadline
    setTimeout(() => done(null, FAST), args.answerMs);
  },
});
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
    err ? reject(err) : resolve(p),
  ),
);
const Client = grpc.makeGenericClientConstructor(service, 'RapidReset');
const client = new Client(
  `127.0.0.1:${port}`,
  grpc.credentials.createInsecure(),
) as unknown as grpc.Client & {
  Echo(req: Buffer, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void): void;
};
const call = (req: Buffer, deadlineMs: number) =>
  new Promise<grpc.ServiceError | null>((resolve) =>
    client.Echo(req, { deadline: Date.now() + deadlineMs }, (err) => resolve(err)),
  );

const fastErrors = new Map<string, number>();
let fastOk = 0;
let cancelled = 0;
const pending: Promise<unknown>[] = [];
for (let i = 0; i < args.calls; i++) {
  pending.push(call(SLOW, args.deadlineMs).then(() => cancelled++));
  pending.push(
    call(FAST, 1000).then((err) => {
      if (!err) fastOk++;
      else {
        const why = err.details || messageOf(err);
        fastErrors.set(why, (fastErrors.get(why) ?? 0) + 1);
      }
    }),
  );
  // About 4,000 calls a second: the cancels come faster than the 33 a second Node refills.
  if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
}
await Promise.all(pending);
console.log(
  `Node ${process.version}, one connection: ${cancelled} calls cancelled at ${args.deadlineMs} ms; ` +
    `of ${args.calls} calls answered after ${args.answerMs} ms, ${fastOk} succeeded and ${args.calls - fastOk} failed`,
);
for (const [details, n] of fastErrors) console.log(`  ${n} × ${details}`);
client.close();
server.forceShutdown();
