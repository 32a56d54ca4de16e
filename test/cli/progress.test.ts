// cli/progress: bars with count, rate and ETA only on a terminal, never with --json, nothing before the delay.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/progress.js";

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

describe("progressBar", () => {
  it("draws label, percentage, count, rate, ETA and the note", () => {
    const out = sink();
    const bar = progressBar("gen", {}, { unit: "tasks", delayMs: 0, force: true, stream: out.stream });
    bar.update(1, 4, "1.0 MiB written");
    bar.update(2, 4, "2.0 MiB written");
    bar.stop();
    const text = out.text();
    expect(text).toMatch(/gen \[.*\] 50% \| 2\/4 tasks \| \d+ tasks\/s \| ETA .* \| 2\.0 MiB written/);
  });

  it("draws nothing with --json, on a stream that is not a terminal, or before the delay", () => {
    for (const [cli, opts] of [
      [{ json: true }, { force: true }],
      [{}, {}],
      [{}, { force: true, delayMs: 60_000 }],
    ] as const) {
      const out = sink();
      const bar = progressBar("x", cli, { ...opts, stream: out.stream });
      bar.update(1, 2);
      bar.stop();
      expect(out.text()).toBe("");
    }
  });
});
