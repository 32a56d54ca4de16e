// Secret redaction: removes tokens (and the encodings git and HTTP use for them) from any text eocube prints.

/** The text put in place of a secret. */
export const REDACTED = "***";

/**
 * The forms a secret can take in text: itself, its URL encoding, and the base64 of the
 * `user:token` pairs used in HTTP Basic auth headers (for the usual GitHub user names).
 */
function secretForms(secret: string, users: string[]): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret)]);
  for (const user of users) forms.add(Buffer.from(`${user}:${secret}`).toString("base64"));
  forms.add(Buffer.from(secret).toString("base64"));
  return [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of each secret (plain, URL-encoded or inside a base64 Basic-auth value) in
 * `text` with `***`. Secrets shorter than 4 characters are ignored (they would blank out ordinary words).
 * @param users user names that may be paired with the secret in Basic auth (default: "x-access-token").
 */
export function redactSecrets(text: string, secrets: Array<string | undefined>, users: string[] = ["x-access-token"]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of secretForms(secret, users)) out = out.split(form).join(REDACTED);
  }
  return out;
}
