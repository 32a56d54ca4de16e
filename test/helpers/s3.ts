// An s3rver fixture on 127.0.0.1 (random port) with a bucket, plus a helper uploading a local folder.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import S3rver from "s3rver";
import { S3FileSystem } from "../../src/fs/s3.js";

/** s3rver's fixed credentials (it checks signatures against them). */
export const S3RVER_KEY = "S3RVER";
export const S3RVER_SECRET = "S3RVER";

/** A running s3rver. */
export interface TestS3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** storage_options that reach the bucket with valid credentials. */
  storageOptions: { endpoint_url: string; key: string; secret: string; region: string };
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with an empty bucket `bucket` in a temporary folder. */
export async function startS3Server(bucket = "eocube-test"): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), "eocube-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const addr = (await server.run()) as { address: string; port: number };
  const endpoint = `http://127.0.0.1:${addr.port}`;
  return {
    endpoint,
    bucket,
    storageOptions: { endpoint_url: endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET, region: "us-east-1" },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Uploads every file under `folder` to `s3://bucket/<prefix>/…`; resolves to the number of objects. */
export async function uploadFolder(server: TestS3Server, folder: string, prefix: string): Promise<number> {
  const fs = new S3FileSystem(server.bucket, {
    endpointUrl: server.endpoint,
    key: S3RVER_KEY,
    secret: S3RVER_SECRET,
  });
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else files.push(join(dir, e.name));
    }
  };
  await walk(folder);
  for (let i = 0; i < files.length; i += 16) {
    await Promise.all(
      files.slice(i, i + 16).map(async (f) => fs.put(`${prefix}/${relative(folder, f).split(sep).join("/")}`, await readFile(f))),
    );
  }
  return files.length;
}
