// Types of the test tools that ship none (for `npm run typecheck`): only what the tests use.

declare module "s3rver" {
  /** s3rver: a local S3 server for tests (https://github.com/jamhall/s3rver). */
  export default class S3rver {
    constructor(options: {
      address?: string;
      port?: number;
      silent?: boolean;
      directory: string;
      configureBuckets?: Array<{ name: string; configs: unknown[] }>;
    });
    /** Starts listening; resolves to the bound address. */
    run(): Promise<unknown>;
    close(): Promise<void>;
  }
}
