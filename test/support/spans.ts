/**
 * One in-memory span exporter per test process: reset before each test, read
 * finished spans after, assert the tree.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { beforeEach } from 'vitest';
import { initTelemetry } from '../../services/common/telemetry';

const exporter = new InMemorySpanExporter();
let installed = false;

export const spans = {
  get: () => exporter.getFinishedSpans(),
  reset: () => exporter.reset(),
};

export function useMemorySpans(): void {
  if (!installed) {
    // Every span, whatever the environment says (the default records none without an endpoint).
    initTelemetry({
      serviceName: 'test',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      env: { OTEL_TRACES_SAMPLER: 'always_on' },
    });
    installed = true;
  }
  beforeEach(() => exporter.reset());
}
