// FileSystem over an Azure Blob Storage container prefix (Azure or the Azurite emulator), via @azure/storage-blob.
import type { BlobServiceClient, ContainerClient, StoragePipelineOptions } from "@azure/storage-blob";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { checkKey } from "./keys.js";
import type { FileSystem } from "./types.js";

/** Azure container names: 3–63 lower-case letters, digits and single hyphens, or the special `$root`/`$web`. */
export const AZURE_CONTAINER_PATTERN = /^(?:[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]|\$root|\$web)$/;

/** The `storage_options` names of the credentials, as adlfs (fsspec's `abfs://`) and xcube name them. */
export type AbfsOptionName = "account_name" | "account_key" | "connection_string" | "sas_token" | "anon" | "account_host";

/** adlfs's environment variables, read when the option is not given. */
const ENV_NAMES: Partial<Record<AbfsOptionName, string>> = {
  account_name: "AZURE_STORAGE_ACCOUNT_NAME",
  account_key: "AZURE_STORAGE_ACCOUNT_KEY",
  connection_string: "AZURE_STORAGE_CONNECTION_STRING",
  sas_token: "AZURE_STORAGE_SAS_TOKEN",
};

/** Options of {@link AbfsFileSystem}; each credential is adlfs's `AzureBlobFileSystem` argument of the snake_case name. */
export interface AbfsFileSystemOptions {
  /** Blob name prefix inside the container (`"cubes/2024"`), without leading or trailing '/'. Default "". */
  prefix?: string;
  /** `account_name`: storage account name (env AZURE_STORAGE_ACCOUNT_NAME). Needed unless a connection string is given. */
  accountName?: string;
  /** `account_key`: the account's access key, base64 (env AZURE_STORAGE_ACCOUNT_KEY). Never printed. */
  accountKey?: string;
  /** `connection_string` (env AZURE_STORAGE_CONNECTION_STRING); wins over the other credentials. Never printed. */
  connectionString?: string;
  /** `sas_token`: shared access signature, with or without the leading '?' (env AZURE_STORAGE_SAS_TOKEN). Never printed. */
  sasToken?: string;
  /** `anon`: unsigned requests (a container with public read access); also what happens when no credential is given. */
  anon?: boolean;
  /**
   * `account_host`: the account's blob host for clouds other than `blob.core.windows.net` (adlfs: `https://{account_host}`);
   * eocube also takes a whole URL here, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`.
   */
  accountHost?: string;
  /** Per-request timeout in milliseconds (default 30 000) → TIMEOUT. */
  timeoutMs?: number;
  /** Attempts per request, the first included (the SDK retries throttling, 5xx and network errors; default 3). */
  maxTries?: number;
  /**
   * Put before an option's name in errors (default "", e.g. `account_key`); the abfs store passes
   * `store_params/storage_options/`. A value taken from the environment is named by its variable instead.
   */
  optionPrefix?: string;
  /** Where the container name came from, named when it is invalid or missing (default `root`). */
  rootName?: string;
  /** The environment for adlfs's AZURE_STORAGE_* fallbacks (default `process.env`). */
  env?: Record<string, string | undefined>;
}

const OPTION_KEYS: Record<AbfsOptionName, keyof AbfsFileSystemOptions> = {
  account_name: "accountName",
  account_key: "accountKey",
  connection_string: "connectionString",
  sas_token: "sasToken",
  anon: "anon",
  account_host: "accountHost",
};

/** How requests are authenticated, and which option (or environment variable) gave the credential. */
type Auth = { kind: "connection_string" | "account_key" | "sas_token" | "anon"; source: string };

/**
 * A {@link FileSystem} over `abfs://container/prefix` in an Azure Storage account. Keys are relative to the prefix;
 * "folders" are '/'-delimited blob name prefixes (as adlfs lists them). Credentials as adlfs: `connection_string`,
 * else `account_name` with `account_key` or `sas_token`, else anonymous (`anon: true` forces anonymous).
 * Errors name `abfs://container/key` and the option to fix, never a credential: BlobNotFound → `get` undefined /
 * `getRange` NOT_FOUND; ContainerNotFound → NOT_FOUND (field: the root); HTTP 401/403 (AuthenticationFailed,
 * AuthorizationFailure, …) → ACCESS_DENIED naming the credential's option; 5xx and unreachable hosts → REMOTE_ERROR;
 * no answer in `timeoutMs` → TIMEOUT; a malformed credential or container name → INVALID_PARAMS.
 * Blob service REST API: https://learn.microsoft.com/rest/api/storageservices/blob-service-rest-api
 */
export class AbfsFileSystem implements FileSystem {
  readonly root: string;
  readonly container: string;
  readonly prefix: string;
  readonly #options: AbfsFileSystemOptions;
  readonly #timeoutMs: number;
  readonly #auth: Auth;
  #accountName?: string;
  readonly #secrets: { cs?: string; key?: string; sas?: string };
  #client?: Promise<ContainerClient>;

  /** @param container container name. @throws EocubeError INVALID_PARAMS for a bad container name, no account or a malformed key. */
  constructor(container: string, options: AbfsFileSystemOptions = {}) {
    const rootName = options.rootName ?? "root";
    if (!AZURE_CONTAINER_PATTERN.test(container)) {
      throw new EocubeError("INVALID_PARAMS", `${rootName}: not a valid Azure container name: ${JSON.stringify(container)}`, {
        field: rootName,
        hint: "container names have 3–63 lower-case letters, digits and single hyphens (the root is container[/prefix])",
      });
    }
    this.container = container;
    this.prefix = checkKey((options.prefix ?? "").replace(/^\/+|\/+$/g, ""), `abfs://${container}`);
    this.root = `abfs://${container}${this.prefix ? `/${this.prefix}` : ""}`;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#options = options;
    const env = options.env ?? process.env;
    const name = (p: AbfsOptionName) => `${options.optionPrefix ?? ""}${p}`;
    // each credential from its option, else from adlfs's environment variable; `source` is what errors name
    const pick = (p: AbfsOptionName): { value?: string; source: string } => {
      const given = options[OPTION_KEYS[p]];
      if (typeof given === "string" && given !== "") return { value: given, source: name(p) };
      const envName = ENV_NAMES[p];
      const fromEnv = envName ? env[envName] : undefined;
      return fromEnv ? { value: fromEnv, source: envName! } : { source: name(p) };
    };
    const cs = pick("connection_string");
    const key = pick("account_key");
    const sas = pick("sas_token");
    const account = pick("account_name");
    this.#accountName = account.value;
    if (options.anon) this.#auth = { kind: "anon", source: name("anon") };
    else if (cs.value) this.#auth = { kind: "connection_string", source: cs.source };
    else if (key.value) this.#auth = { kind: "account_key", source: key.source };
    else if (sas.value) this.#auth = { kind: "sas_token", source: sas.source };
    else this.#auth = { kind: "anon", source: name("anon") };
    if (!cs.value && !account.value && !options.accountHost) {
      throw new EocubeError("INVALID_PARAMS", `no Azure storage account given for ${this.root}`, {
        field: name("account_name"),
        hint: `give ${name("account_name")} (with ${name("account_key")} or ${name("sas_token")} unless the container is public) or ${name("connection_string")}`,
      });
    }
    if (this.#auth.kind === "account_key" && !/^[A-Za-z0-9+/]+={0,2}$/.test(key.value!.trim())) {
      throw new EocubeError("INVALID_PARAMS", `${key.source} is not a base64 account key`, {
        field: key.source,
        hint: "copy key1 or key2 from the storage account's Access keys (a base64 string ending in ==)",
      });
    }
    if (this.#auth.kind === "account_key" && !account.value) {
      throw new EocubeError("INVALID_PARAMS", `${key.source} needs ${account.source}, the account the key belongs to`, {
        field: account.source,
        hint: `give ${name("account_name")}`,
      });
    }
    this.#secrets = { cs: cs.value, key: key.value, sas: sas.value };
  }

  /** The SDK's container client, created on first use (the SDK is loaded lazily: it costs ~0.3–1 s to import). */
  async client(): Promise<ContainerClient> {
    this.#client ??= this.#makeClient();
    return this.#client;
  }

  async #makeClient(): Promise<ContainerClient> {
    const sdk = await import("@azure/storage-blob");
    const o = this.#options;
    const pipeline: StoragePipelineOptions = {
      retryOptions: {
        maxTries: o.maxTries ?? 3,
        tryTimeoutInMs: this.#timeoutMs,
        retryDelayInMs: 200,
        maxRetryDelayInMs: 2_000,
      },
    };
    let service: BlobServiceClient;
    const { cs, key, sas } = this.#secrets;
    if (this.#auth.kind === "connection_string" || (this.#auth.kind === "anon" && cs)) {
      try {
        service = sdk.BlobServiceClient.fromConnectionString(cs!, pipeline);
      } catch {
        // the SDK's message may quote the string: only its source is named
        const source = this.#auth.kind === "anon" ? "connection_string" : this.#auth.source;
        throw new EocubeError("INVALID_PARAMS", `${source} is not a valid Azure Storage connection string`, {
          field: source,
          hint: "use the account's connection string (DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;BlobEndpoint=…)",
        });
      }
      if (this.#auth.kind === "anon") service = new sdk.BlobServiceClient(service.url, new sdk.AnonymousCredential(), pipeline);
    } else {
      const url = this.#accountUrl();
      if (this.#auth.kind === "account_key") {
        const cred = new sdk.StorageSharedKeyCredential(this.#accountName!, key!.trim());
        service = new sdk.BlobServiceClient(url, cred, pipeline);
      } else if (this.#auth.kind === "sas_token") {
        service = new sdk.BlobServiceClient(`${url}?${sas!.replace(/^\?/, "")}`, new sdk.AnonymousCredential(), pipeline);
      } else {
        service = new sdk.BlobServiceClient(url, new sdk.AnonymousCredential(), pipeline);
      }
    }
    this.#accountName ??= service.accountName || undefined; // from the connection string (not a secret)
    return service.getContainerClient(this.container);
  }

  /** `https://{account}.blob.core.windows.net`, or from account_host (a host, or a whole URL for emulators). */
  #accountUrl(): string {
    const host = this.#options.accountHost?.replace(/\/+$/, "");
    if (!host) return `https://${this.#accountName}.blob.core.windows.net`;
    return /^https?:\/\//i.test(host) ? host : `https://${host}`;
  }

  /** The blob name of a relative key. @throws EocubeError UNSAFE_ID for a key with `..`, a leading '/' or NUL. */
  blobName(key: string): string {
    const k = checkKey(key, this.root);
    return this.prefix ? (k ? `${this.prefix}/${k}` : `${this.prefix}/`) : k;
  }

  async get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined> {
    try {
      return await this.#download(key, 0, undefined, options);
    } catch (err) {
      if (err instanceof EocubeError && err.code === "NOT_FOUND" && err.field !== this.#field("root")) return undefined;
      throw err;
    }
  }

  async getRange(key: string, offset: number, length?: number, options?: ReadOptions): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    let start = offset;
    if (offset < 0) {
      // the Blob service has no suffix ranges (bytes=-N): ask for the size first
      const props = await this.#call(
        key,
        (signal, c) => c.getBlobClient(this.blobName(key)).getProperties({ abortSignal: signal }),
        options,
      );
      start = Math.max(0, (props.contentLength ?? 0) + offset);
    }
    try {
      return await this.#download(key, start, length, options);
    } catch (err) {
      if ((err as EocubeError).details === "InvalidRange") return new Uint8Array(0);
      throw err;
    }
  }

  async put(key: string, data: Uint8Array, options?: ReadOptions): Promise<void> {
    await this.#call(key, (abortSignal, c) => c.getBlockBlobClient(this.blobName(key)).uploadData(data, { abortSignal }), options);
  }

  async list(prefix: string, options?: ReadOptions): Promise<string[]> {
    const p = this.blobName(prefix.replace(/\/+$/, ""));
    const full = p === "" || p.endsWith("/") ? p : `${p}/`;
    return this.#call(
      prefix,
      async (abortSignal, c) => {
        const out = new Set<string>();
        for await (const page of c.listBlobsByHierarchy("/", { prefix: full, abortSignal }).byPage({ maxPageSize: 5000 })) {
          for (const bp of page.segment.blobPrefixes ?? []) out.add(bp.name.slice(full.length));
          for (const b of page.segment.blobItems) if (b.name !== full) out.add(b.name.slice(full.length));
        }
        return [...out].sort();
      },
      options,
    );
  }

  async delete(key: string, options?: ReadOptions): Promise<void> {
    const k = this.blobName(key.replace(/\/+$/, "")).replace(/\/+$/, ""); // the root ("") is the prefix itself
    const names = await this.#call(
      key,
      async (abortSignal, c) => {
        const found: string[] = [];
        for await (const page of c.listBlobsFlat({ prefix: k ? `${k}/` : "", abortSignal }).byPage({ maxPageSize: 5000 })) {
          for (const b of page.segment.blobItems) found.push(b.name);
        }
        return found;
      },
      options,
    );
    if (key.replace(/\/+$/, "") !== "") names.push(k); // the object itself (not for the root: a blob named as the prefix is outside)
    for (let i = 0; i < names.length; i += 16) {
      await Promise.all(
        names
          .slice(i, i + 16)
          .map((name) => this.#call(key, (abortSignal, c) => c.getBlobClient(name).deleteIfExists({ abortSignal }), options)),
      );
    }
  }

  async exists(key: string, options?: ReadOptions): Promise<boolean> {
    if (key.endsWith("/") || key === "") {
      return this.#call(
        key,
        async (abortSignal, c) => {
          const page = await c
            .listBlobsByHierarchy("/", { prefix: this.blobName(key), abortSignal })
            .byPage({ maxPageSize: 1 })
            .next();
          if (page.done) return false;
          return page.value.segment.blobItems.length + (page.value.segment.blobPrefixes?.length ?? 0) > 0;
        },
        options,
      );
    }
    try {
      await this.#call(key, (abortSignal, c) => c.getBlobClient(this.blobName(key)).getProperties({ abortSignal }), options);
      return true;
    } catch (err) {
      if (err instanceof EocubeError && err.code === "NOT_FOUND" && err.field !== this.#field("root")) return false;
      throw err;
    }
  }

  async #download(key: string, offset: number, count: number | undefined, options?: ReadOptions): Promise<Uint8Array> {
    return this.#call(
      key,
      async (abortSignal, c) => {
        const res = await c.getBlobClient(this.blobName(key)).download(offset, count, { abortSignal });
        const body = res.readableStreamBody;
        if (!body) return new Uint8Array(0);
        const chunks: Buffer[] = [];
        for await (const chunk of body as AsyncIterable<Buffer | string>)
          chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        const all = Buffer.concat(chunks);
        return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
      },
      options,
    );
  }

  /** How errors name an option (`root`: the container's). */
  #field(p: AbfsOptionName | "root"): string {
    return p === "root" ? (this.#options.rootName ?? "root") : `${this.#options.optionPrefix ?? ""}${p}`;
  }

  /** Runs one SDK call with the timeout, mapping SDK errors to EocubeErrors naming `abfs://container/blob`. */
  async #call<R>(key: string, call: (abortSignal: AbortSignal, client: ContainerClient) => Promise<R>, options?: ReadOptions): Promise<R> {
    throwIfAborted(options?.signal);
    const client = await this.client();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const abortSignal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const shown = `abfs://${this.container}/${this.blobName(key)}`;
    try {
      return await call(abortSignal, client);
    } catch (err) {
      throwIfAborted(options?.signal);
      throw this.#error(err, shown, timeout.aborted);
    }
  }

  /** Maps an SDK error to an EocubeError; `shown` is the blob's abfs:// URL. No SDK error is kept as cause (its request may hold a SAS). */
  #error(err: unknown, shown: string, timedOut: boolean): EocubeError {
    if (err instanceof EocubeError) return err;
    const e = err as { name?: string; code?: string; statusCode?: number; message?: string; details?: { errorCode?: string } };
    const status = e.statusCode;
    const code = e.details?.errorCode ?? e.code ?? "";
    const details = { status, error_code: code || undefined };
    const account = this.#accountName ? ` in account ${this.#accountName}` : "";
    if (timedOut || e.name === "AbortError" || code === "ETIMEDOUT" || code === "TIMEOUT") {
      return new EocubeError("TIMEOUT", `no answer from Azure Blob Storage for ${shown} within ${this.#timeoutMs} ms`, {
        path: shown,
        details,
        hint: `the account host is slow or unreachable; raise the timeout or check ${this.#field("account_host")} / ${this.#field("connection_string")}`,
      });
    }
    if (code === "ContainerNotFound") {
      return new EocubeError("NOT_FOUND", `no such container ${JSON.stringify(this.container)}${account} (${shown})`, {
        path: shown,
        field: this.#field("root"),
        details,
        hint: `check ${this.#field("root")} (container[/prefix]) and the account, or create the container`,
      });
    }
    if (code === "BlobNotFound" || status === 404) {
      return new EocubeError("NOT_FOUND", `no such blob: ${shown}`, { path: shown, details });
    }
    if (code === "InvalidRange" || status === 416) {
      return new EocubeError("OUT_OF_RANGE", `range outside ${shown}`, { path: shown, details: "InvalidRange" });
    }
    if (status === 401 || status === 403) {
      const a = this.#auth;
      const what =
        a.kind === "anon" ? "anonymous access was refused (the container is not public)" : `the credential in ${a.source} was refused`;
      return new EocubeError("ACCESS_DENIED", `access denied (${code || `HTTP ${status}`}) to ${shown}: ${what}`, {
        path: shown,
        field: a.source,
        details,
        hint:
          a.kind === "account_key"
            ? `check ${a.source} (key1 or key2 of storage account ${this.#accountName}) and ${this.#field("account_name")}`
            : a.kind === "sas_token"
              ? `check ${a.source}: not expired, with read/list (and write/delete for writes) permissions on the container`
              : a.kind === "connection_string"
                ? `check the AccountName and AccountKey (or SharedAccessSignature) in ${a.source}`
                : `give ${this.#field("account_key")}, ${this.#field("sas_token")} or ${this.#field("connection_string")}`,
      });
    }
    if (status !== undefined && status >= 500) {
      return new EocubeError("REMOTE_ERROR", `Azure Blob Storage error ${code} (HTTP ${status}) for ${shown}`, { path: shown, details });
    }
    if (status === undefined) {
      // a network error's message names the host and port (never a query string: cut anyway, a SAS lives there)
      const why = (e.message ?? "").replace(/\?\S*/g, "?…").slice(0, 200) || code || e.name || "network error";
      return new EocubeError("REMOTE_ERROR", `cannot reach Azure Blob Storage for ${shown}: ${why}`, {
        path: shown,
        details,
        hint: `check ${this.#field("account_name")}, ${this.#field("account_host")} or the BlobEndpoint of ${this.#field("connection_string")}, and the network`,
      });
    }
    return new EocubeError("REMOTE_ERROR", `Azure Blob Storage error ${code || "?"} (HTTP ${status}) for ${shown}`, {
      path: shown,
      details,
    });
  }
}

/**
 * {@link AbfsFileSystemOptions} from xcube's/fsspec's `storage_options` of the abfs protocol: `account_name`,
 * `account_key`, `connection_string`, `sas_token`, `anon`, `account_host` and `timeout` (**seconds**); other keys are ignored.
 */
export function abfsOptionsFromStorageOptions(storageOptions: Record<string, unknown>): AbfsFileSystemOptions {
  const so = storageOptions;
  const str = (k: string) => (typeof so[k] === "string" ? (so[k] as string) : undefined);
  return {
    accountName: str("account_name"),
    accountKey: str("account_key"),
    connectionString: str("connection_string"),
    sasToken: str("sas_token"),
    accountHost: str("account_host"),
    anon: typeof so.anon === "boolean" ? so.anon : undefined,
    timeoutMs: typeof so.timeout === "number" ? so.timeout * 1000 : undefined,
  };
}
