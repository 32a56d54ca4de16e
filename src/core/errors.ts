// The one error family of eocube: stable codes, typed context, a hint, and the tables that map a
// code to a CLI exit code and an HTTP status. docs/errors.md lists every code (a test keeps them in step).

/**
 * Every error code eocube raises, with its meaning, CLI exit code and HTTP status.
 * `user: true` means the cause is the user's input (exit code 2, no stack trace, HTTP 4xx);
 * `user: false` means a bug or an environment failure (exit code 1, HTTP 5xx).
 */
export const ERROR_CODES = {
  NOT_FOUND: { user: true, status: 404, summary: "A file, object, dataset or variable does not exist." },
  UNKNOWN_FORMAT: { user: true, status: 400, summary: "The data format cannot be told from the path or the bytes." },
  CORRUPT_DATA: { user: true, status: 422, summary: "A file or metadata document is truncated, not parseable, or inconsistent." },
  INVALID_PARAMS: {
    user: true,
    status: 400,
    summary: "Parameters (store_params, open_params, query or body) do not match their JSON Schema.",
  },
  INVALID_CONFIG: { user: true, status: 400, summary: "A configuration file (YAML/JSON) is invalid." },
  INVALID_ARGUMENT: { user: true, status: 400, summary: "A command-line or function argument is invalid." },
  INVALID_EXPRESSION: {
    user: true,
    status: 400,
    summary:
      "A user-variable expression does not parse or check (unknown name or function, member access, nesting, size); the message names the position.",
  },
  UNSAFE_ID: { user: true, status: 400, summary: "An identifier that becomes a path contains unsafe characters (/, .., spaces, …)." },
  UNKNOWN_STORE: { user: true, status: 400, summary: "No data store is registered under this store id." },
  READ_ONLY: { user: true, status: 405, summary: "The store or file system cannot be written." },
  ALREADY_EXISTS: { user: true, status: 409, summary: "The target exists and replacing it was not asked for." },
  ACCESS_DENIED: { user: true, status: 403, summary: "The remote service refused access (HTTP 401/403, S3 AccessDenied)." },
  REMOTE_ERROR: { user: true, status: 502, summary: "A remote server answered with an error (HTTP 5xx) or an unexpected response." },
  TIMEOUT: { user: true, status: 504, summary: "A remote request did not answer within the configured timeout." },
  OUT_OF_RANGE: { user: true, status: 400, summary: "A selection, index, bbox or time is outside the data." },
  VALIDATION_FAILED: { user: true, status: 422, summary: "A document or catalog does not pass validation." },
  GIT_ERROR: { user: true, status: 409, summary: "A git operation failed (not a repository, dirty tree, push rejected, …)." },
  GITHUB_ERROR: { user: true, status: 502, summary: "The GitHub API refused a request (401/403/404/422, rate limit)." },
  UNSUPPORTED: { user: true, status: 501, summary: "The data uses a feature eocube does not support." },
  TOO_LARGE: {
    user: true,
    status: 413,
    summary: "A request, file, chunk or read exceeds a size or work limit; the message names the size and the limit.",
  },
  CANCELLED: { user: true, status: 499, summary: "The operation was aborted by its AbortSignal." },
  WORKER_FAILED: {
    user: true,
    status: 503,
    summary: "A worker of a parallel job died or failed (e.g. out of memory); the job was aborted and nothing was written.",
  },
  INTERNAL: { user: false, status: 500, summary: "A bug in eocube or an unexpected environment failure." },
} as const;

/** A stable error code; see {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Typed context carried by an {@link EocubeError}. */
export interface ErrorContext {
  /** The file, URL, object key or catalog path concerned. */
  path?: string;
  /** The field (config key, JSON pointer, parameter name) concerned. */
  field?: string;
  /** How to fix it, in one sentence. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Extra structured details (e.g. a list of validation problems). */
  details?: unknown;
}

/**
 * The error eocube raises for every foreseen failure.
 * The message names what is wrong; `path`, `field` and `hint` say where and how to fix it.
 */
export class EocubeError extends Error {
  readonly code: ErrorCode;
  readonly path?: string;
  readonly field?: string;
  readonly hint?: string;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "EocubeError";
    this.code = code;
    this.path = context.path;
    this.field = context.field;
    this.hint = context.hint;
    this.details = context.details;
  }

  /** True when the user's input caused the error (exit code 2, HTTP 4xx). */
  get isUserError(): boolean {
    return ERROR_CODES[this.code].user;
  }

  /** Plain JSON form, used by `--json` output and HTTP error bodies. Never contains a stack. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.path !== undefined) out.path = this.path;
    if (this.field !== undefined) out.field = this.field;
    if (this.hint !== undefined) out.hint = this.hint;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/** True when `err` is an {@link EocubeError}, optionally with the given code. */
export function isEocubeError(err: unknown, code?: ErrorCode): err is EocubeError {
  return err instanceof EocubeError && (code === undefined || err.code === code);
}

/** The CLI exit code for an error: 2 for user errors, 1 for anything else. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return isEocubeError(err) && err.isUserError ? 2 : 1;
}

/** The HTTP status for an error: the code's status, 500 for anything that is not an EocubeError. */
export function httpStatusOf(err: unknown): number {
  return isEocubeError(err) ? ERROR_CODES[err.code].status : 500;
}

/** Throws CANCELLED when the signal is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new EocubeError("CANCELLED", "The operation was aborted.", { cause: signal.reason });
}
