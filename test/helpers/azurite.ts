// An Azurite (the Azure Storage emulator, from npm) blob service on 127.0.0.1 (a free port) with one container.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
/** The development account's key. */
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite blob service. */
export interface TestAzurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`, the account URL (account_host). */
  accountUrl: string;
  port: number;
  container: string;
  /** A connection string with the account key that reaches the emulator. */
  connectionString: string;
  /** storage_options reaching the container with account_name + account_key + account_host. */
  storageOptions: { account_name: string; account_key: string; account_host: string };
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `azurite-blob` (the npm package's own entry) on 127.0.0.1 in memory and creates `container` (unless
 * null). `--skipApiVersionCheck`: the SDK speaks a newer service version than this emulator release knows.
 */
export async function startAzurite(container: string | null = "eocube-test"): Promise<TestAzurite> {
  const main = createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");
  const port = await freePort();
  const location = await mkdtemp(join(tmpdir(), "eocube-azurite-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      ...["--blobHost", "127.0.0.1", "--blobPort", String(port)],
      ...["--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--loose"],
    ],
    // in memory, so nothing is written; its working folder is a temporary one all the same
    { stdio: ["ignore", "pipe", "pipe"], cwd: location },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      if (/successfully listens/.test(output)) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (output += d));
    child.on("exit", (code) => reject(new Error(`azurite exited (${code}) before listening: ${output}`)));
    setTimeout(() => reject(new Error(`azurite did not listen within 60 s: ${output}`)), 60_000).unref();
  });
  const accountUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${accountUrl};`;
  const az: TestAzurite = {
    accountUrl,
    port,
    container: container ?? "",
    connectionString,
    storageOptions: { account_name: AZURITE_ACCOUNT, account_key: AZURITE_KEY, account_host: accountUrl },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(location, { recursive: true, force: true });
    },
  };
  if (container) {
    const { BlobServiceClient } = await import("@azure/storage-blob");
    await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).create();
  }
  return az;
}
