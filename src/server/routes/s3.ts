// Routes: xcube's S3 emulation — GET /s3/{bucket} (ListObjects v1/v2, XML), GET|HEAD /s3/{bucket}/{key…} (objects,
// HTTP Range requests), so S3 clients (s3fs, zarr's FSStore, the AWS SDK) read the served datasets as Zarr with
// endpoint `http://host:port/s3`, path-style, unsigned. Buckets and keys: server/s3.ts; listing: server/s3-list.ts.
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ServerState } from "../app.js";
import { S3Emulation, S3_BUCKETS, type S3Bucket } from "../s3.js";
import { listBucketXml, listObjects, s3ErrorXml, type ListParams } from "../s3-list.js";
import { parseRange } from "./geotiff.js";

const XML = "application/xml";

function notFound(reply: FastifyReply, code: "NoSuchBucket" | "NoSuchKey", message: string, extra: Record<string, string>) {
  return reply
    .code(404)
    .type(XML)
    .send(s3ErrorXml(code, message, extra));
}

const isBucket = (b: string): b is S3Bucket => (S3_BUCKETS as readonly string[]).includes(b);

/** Registers the S3 routes. */
export function s3Routes(app: FastifyInstance, state: ServerState): void {
  const s3 = new S3Emulation(
    () => state.ctx,
    () => state.startedAt,
  );
  const lastModified = () => new Date(state.startedAt).toISOString();
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  api.get("/s3/:bucket", {
    schema: {
      summary: 'S3 ListObjects (v1, or v2 with list-type=2) of bucket "datasets" (Zarr) or "pyramids" (levels), as XML',
      params: { type: "object", required: ["bucket"], properties: { bucket: { type: "string" } } } as const,
      querystring: {
        type: "object",
        properties: {
          "list-type": { type: "string", description: "1 (default) or 2" },
          prefix: { type: "string" },
          delimiter: { type: "string" },
          "max-keys": { type: "integer", minimum: 0, description: "at most this many keys and common prefixes [default 1000]" },
          marker: { type: "string", description: "v1: list after this key" },
          "start-after": { type: "string", description: "v2: list after this key" },
          "continuation-token": { type: "string", description: "v2: NextContinuationToken of the previous page" },
          "encoding-type": { type: "string", description: "accepted; keys are plain ASCII" },
        },
      } as const,
    },
    handler: async (request, reply) => {
      const { bucket } = request.params;
      if (!isBucket(bucket)) return notFound(reply, "NoSuchBucket", "The specified bucket does not exist.", { BucketName: bucket });
      const q = request.query;
      const lt = q["list-type"];
      if (lt !== undefined && lt !== "1" && lt !== "2") {
        return reply
          .code(400)
          .type(XML)
          .send(s3ErrorXml("InvalidArgument", `Unknown bucket list type ${JSON.stringify(lt)}: 1 or 2`, { ArgumentName: "list-type" }));
      }
      const params: ListParams = {
        listType: lt === "2" ? 2 : 1,
        ...(q.prefix !== undefined ? { prefix: q.prefix } : {}),
        ...(q.delimiter ? { delimiter: q.delimiter } : {}),
        ...(q["max-keys"] !== undefined ? { maxKeys: q["max-keys"] } : {}),
        ...(q.marker !== undefined ? { marker: q.marker } : {}),
        ...(q["start-after"] !== undefined ? { startAfter: q["start-after"] } : {}),
        ...(q["continuation-token"] !== undefined ? { continuationToken: q["continuation-token"] } : {}),
      };
      const source = await s3.keySource(bucket, { signal: request.opSignal });
      const result = await listObjects(source, params);
      return reply.type(XML).send(listBucketXml(bucket, params, result, lastModified()));
    },
  });
  api.route({
    method: ["GET", "HEAD"],
    url: "/s3/:bucket/*",
    compress: false,
    schema: {
      summary: "An S3 object: Zarr metadata (JSON) or an uncompressed chunk made on request; HTTP Range requests",
      params: { type: "object", required: ["bucket"], properties: { bucket: { type: "string" }, "*": { type: "string" } } } as const,
    },
    handler: async (request, reply) => {
      const { bucket } = request.params;
      const key = (request.params as { "*"?: string })["*"] ?? "";
      if (!isBucket(bucket)) return notFound(reply, "NoSuchBucket", "The specified bucket does not exist.", { BucketName: bucket });
      const signal = request.opSignal;
      const head = await s3.head(bucket, key, { signal });
      if (!head) return notFound(reply, "NoSuchKey", "The specified key does not exist.", { Key: key });
      reply
        .header("ETag", head.etag)
        .header("Last-Modified", new Date(state.startedAt).toUTCString())
        .header("Accept-Ranges", "bytes")
        .type(
          key.endsWith("/.zarray") || key.endsWith("/.zattrs") || /(^|\/)\.z(group|attrs|metadata)$/.test(key)
            ? "application/json"
            : "binary/octet-stream",
        );
      if (request.headers["if-none-match"] === head.etag) return reply.code(304).send();
      const range = parseRange(request.headers.range, head.size);
      if (range === "unsatisfiable") {
        return reply
          .code(416)
          .header("Content-Range", `bytes */${head.size}`)
          .type(XML)
          .send(s3ErrorXml("InvalidRange", "The requested range is not satisfiable", { Key: key }));
      }
      const [start, end] = range ?? [0, head.size - 1];
      if (range) reply.code(206).header("Content-Range", `bytes ${start}-${end}/${head.size}`);
      reply.header("Content-Length", String(Math.max(0, end - start + 1)));
      if (request.method === "HEAD") return reply.send();
      const got = await s3.get(bucket, key, { signal });
      if (!got) return notFound(reply, "NoSuchKey", "The specified key does not exist.", { Key: key });
      return reply.send(Buffer.from(got.bytes.buffer, got.bytes.byteOffset, got.bytes.byteLength).subarray(start, end + 1));
    },
  });
}
