// terminalPrompt (src/cli/prompt.ts) on real streams: the question goes to the output stream, the answer is the next
// input line, and a pending question ends with the signal.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { terminalPrompt } from "../../src/cli/prompt.js";

function streams() {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = "";
  output.on("data", (d) => (written += String(d)));
  return { input, output, written: () => written };
}

describe("terminalPrompt", () => {
  it("writes each question and resolves to the next line typed (untrimmed), one interface per question", async () => {
    const s = streams();
    const ask = terminalPrompt({ input: s.input, output: s.output });
    const first = ask("GCMD keyword URL for variable chl: ");
    s.input.write("  https://gcmd.earthdata.nasa.gov/KeywordViewer/x \n");
    expect(await first).toBe("  https://gcmd.earthdata.nasa.gov/KeywordViewer/x ");
    const second = ask("again: ");
    s.input.write("\n");
    expect(await second).toBe("");
    expect(s.written()).toContain("GCMD keyword URL for variable chl: ");
    expect(s.written()).toContain("again: ");
  });

  it("a pending question is abandoned when the signal fires (AbortError)", async () => {
    const s = streams();
    const abort = new AbortController();
    const pending = terminalPrompt({ input: s.input, output: s.output, signal: abort.signal })("never answered: ");
    abort.abort(new Error("interrupted"));
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});
