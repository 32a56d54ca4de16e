// Questions on the terminal for `--interactive` commands: the question on stderr, the answer a line of stdin.
import { createInterface } from "node:readline/promises";

/** Options of {@link terminalPrompt}. */
export interface TerminalPromptOptions {
  /** Where the answer is read [default process.stdin]. */
  input?: NodeJS.ReadableStream;
  /** Where the question is written [default process.stderr, so stdout keeps only the command's output]. */
  output?: NodeJS.WritableStream;
  /** Aborts a pending question (it rejects with the signal's reason wrapped in an AbortError). */
  signal?: AbortSignal;
}

/**
 * A question asker for the library's `prompt` options (e.g. buildPublication's missing GCMD keyword URLs): writes
 * the question and resolves to the next line typed, untrimmed. Give it only when stdin and stderr are TTYs.
 */
export function terminalPrompt(options: TerminalPromptOptions = {}): (question: string) => Promise<string> {
  return async (question) => {
    const rl = createInterface({ input: options.input ?? process.stdin, output: options.output ?? process.stderr });
    try {
      return await rl.question(question, { signal: options.signal });
    } finally {
      rl.close();
    }
  };
}
