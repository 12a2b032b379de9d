import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';

/** A span as an OTLP/HTTP JSON export carries it, with its attributes flattened. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  links: Array<{ traceId: string; spanId: string; attributes: Record<string, unknown> }>;
  status: { code: number; message: string | undefined };
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it (traces are POSTed to /v1/traces). */
  url: string;
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

type AnyValue = {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | undefined;
  arrayValue?: { values?: AnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: KeyValue[] | undefined } | undefined;
  bytesValue?: string | undefined;
};
type KeyValue = { key: string; value?: AnyValue | undefined };

const AnyValueSchema: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.number().optional(),
    arrayValue: z.object({ values: z.array(AnyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(KeyValueSchema).optional() }).optional(),
    bytesValue: z.string().optional(),
  }),
);
const KeyValueSchema: z.ZodType<KeyValue> = z.lazy(() =>
  z.object({ key: z.string(), value: AnyValueSchema.optional() }),
);
const Attributes = z.array(KeyValueSchema).optional();
const Id = z.string().optional();
const SpanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: Id,
  name: z.string(),
  kind: z.number().optional(),
  attributes: Attributes,
  events: z.array(z.object({ name: z.string(), attributes: Attributes })).optional(),
  links: z
    .array(z.object({ traceId: z.string(), spanId: z.string(), attributes: Attributes }))
    .optional(),
  status: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
});
// ExportTraceServiceRequest, as OTLP's JSON encoding writes it.
const ExportSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: Attributes }).optional(),
      scopeSpans: z.array(z.object({ spans: z.array(SpanSchema).optional() })).optional(),
    }),
  ),
});

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

function valueOf(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  if (v.kvlistValue) return flatten(v.kvlistValue.values);
  return v.bytesValue;
}

function flatten(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

/** OTLP JSON writes ids as hex; base64 is accepted too (protobuf's JSON mapping). */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/**
 * A collector for tests: a plain HTTP server on port 0 that takes OTLP/HTTP JSON exports
 * (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and keeps every span, decoded. Anything else is
 * answered 415, so a test that forgets the protocol fails rather than sees no spans.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const parsed = ExportSchema.parse(JSON.parse(body.toString('utf8')));
      for (const rs of parsed.resourceSpans) {
        const resource = flatten(rs.resource?.attributes);
        for (const span of (rs.scopeSpans ?? []).flatMap((s) => s.spans ?? [])) {
          spans.push({
            traceId: hexId(span.traceId)!,
            spanId: hexId(span.spanId)!,
            parentSpanId: hexId(span.parentSpanId),
            name: span.name,
            kind: KINDS[span.kind ?? 0] ?? 'unspecified',
            attributes: flatten(span.attributes),
            events: (span.events ?? []).map((e) => ({
              name: e.name,
              attributes: flatten(e.attributes),
            })),
            links: (span.links ?? []).map((l) => ({
              traceId: hexId(l.traceId)!,
              spanId: hexId(l.spanId)!,
              attributes: flatten(l.attributes),
            })),
            status: { code: span.status?.code ?? 0, message: span.status?.message },
            resource,
          });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    })().catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
