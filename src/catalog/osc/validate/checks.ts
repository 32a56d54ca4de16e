// Collects the findings of the custom OSC rules, with Node's assert messages where the CI relies on them.
import assert from "node:assert";

/** One finding of a rule. */
export interface Finding {
  message: string;
  rule: string;
  hint: string;
}

/**
 * A list of findings filled by assertion-style checks. `equal` is loose (`==`) and `deepEqual` is
 * `assert.deepEqual`; without a message they record Node's own assertion message, as the OSC CI does.
 */
export class Checks {
  findings: Finding[] = [];

  /** Records `message` when `value` is falsy. */
  truthy(value: unknown, message: string, rule: string, hint: string): void {
    if (!value) this.findings.push({ message, rule, hint });
  }

  /** Records `message` (or Node's message) when `actual != expected`. */
  equal(actual: unknown, expected: unknown, message: string | undefined, rule: string, hint: string): void {
    // biome-ignore lint/suspicious/noDoubleEquals: assert.equal is loose equality; this is its fast path
    if (actual == expected) return;
    try {
      assert.equal(actual, expected, message);
    } catch (err) {
      this.findings.push({ message: (err as Error).message, rule, hint });
    }
  }

  /** Records Node's message when `actual` is not loosely deep-equal to `expected`. */
  deepEqual(actual: unknown, expected: unknown, rule: string, hint: string): void {
    try {
      assert.deepEqual(actual, expected);
    } catch (err) {
      this.findings.push({ message: (err as Error).message, rule, hint });
    }
  }

  /** Records `message` unconditionally. */
  fail(message: string, rule: string, hint: string): void {
    this.findings.push({ message, rule, hint });
  }

  /**
   * Runs `fn`; if it throws (a rule met data it cannot handle, e.g. `links` missing), the findings are
   * replaced by that one error, as stac-node-validator does.
   */
  run(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.findings = [
        {
          message: (err as Error)?.message ?? String(err),
          rule: "rule-crashed",
          hint: "the file's structure is too broken for the OSC rules to run: fix its schema errors first",
        },
      ];
    }
  }
}
