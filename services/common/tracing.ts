/**
 * Spans on the decision's hot path, with the parent passed explicitly (no
 * active-context lookups, no AsyncLocalStorage): a span is made only when
 * its parent is sampled, and the W3C trace context crosses a hop only for a
 * sampled decision. An unsampled decision still has a trace id (its root
 * span's), which explanations and the decision log show.
 */
import {
  type Attributes,
  type Context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { messageOf } from './errors';
import { tracer } from './telemetry';

export { SpanKind };

/** The trace id of `span` ('' when it has none). */
export function traceIdOf(span: Span | null): string {
  const sc = span?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : '';
}

/** True when `span` records (its trace is sampled): only then are children worth making. */
export function isSampled(span: Span | null): span is Span {
  return span?.isRecording() === true && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}

/** A child of `parent`, or null when the parent is not sampled (nothing to record). */
export function childSpan(
  parent: Span | null,
  name: string,
  attributes: Attributes,
  kind: SpanKind = SpanKind.INTERNAL,
): Span | null {
  if (!isSampled(parent)) return null;
  return tracer().startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
}

/** Ends a span, marking it failed with `err` when given. */
export function endSpan(span: Span | null, err?: unknown): void {
  if (!span) return;
  if (err !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(err) });
  }
  span.end();
}

/** The W3C traceparent of a sampled span; '' otherwise (the next hop then records nothing). */
export function traceparentOf(span: Span | null): string {
  if (!isSampled(span)) return '';
  const sc = span.spanContext();
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The W3C tracestate of a sampled span; '' when it has none. */
export function tracestateOf(span: Span | null): string {
  return isSampled(span) ? (span.spanContext().traceState?.serialize() ?? '') : '';
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a traceparent names, or null when it names none (or is malformed). */
export function contextOfTraceparent(traceparent: string, tracestate = ''): Context | null {
  const m = TRACEPARENT.exec(traceparent);
  if (!m) return null;
  const sc = {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: Number.parseInt(m[3]!, 16),
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
  if (!isSpanContextValid(sc)) return null;
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}
