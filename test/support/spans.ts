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
    initTelemetry({ serviceName: 'test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    installed = true;
  }
  beforeEach(() => exporter.reset());
}
