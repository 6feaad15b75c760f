/** A stand-in for the API's outbound receivers (Sentry ingest, an OTLP/HTTP collector) in process-level tests. */
import { createServer as createHttpServer, type Server } from "node:http";
import { gunzipSync } from "node:zlib";

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Records whatever is POSTed to it (Sentry envelopes, OTLP/HTTP JSON), gunzipping when asked to. */
export async function startRecorder(): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { server, port: (server.address() as { port: number }).port, received };
}
