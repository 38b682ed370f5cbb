import { z } from 'zod';

// What each agent CLI prints as its answer (see the executor parsers in src/runner/executors):
// claude `--output-format json`/stream-json ends with a `result` event, gemini `--output-format
// json` has `response`, codex `exec --json` reports `agent_message` items.
const ClaudeResult = z.looseObject({ type: z.literal('result'), result: z.string() });
const GeminiResponse = z.looseObject({ response: z.string() });
const CodexMessage = z.looseObject({
  type: z.literal('item.completed'),
  item: z.looseObject({ type: z.literal('agent_message'), text: z.string() }),
});

function jsonValues(stdout: string): unknown[] {
  const whole = stdout.trim();
  try {
    return [JSON.parse(whole)];
  } catch {
    // JSONL (stream-json, codex): one value per line; other lines are not ours.
  }
  const values: unknown[] = [];
  for (const line of whole.split('\n')) {
    try {
      values.push(JSON.parse(line));
    } catch {
      // skipped
    }
  }
  return values;
}

/**
 * The agent's own answer in a CLI's output, so that two agents are compared on what they said
 * rather than on their JSON envelopes (session ids, costs); the output itself when it holds
 * none of the known shapes (a shell command, a CLI that printed text).
 */
export function agentAnswer(stdout: string): string {
  let answer: string | null = null;
  const codex: string[] = [];
  for (const value of jsonValues(stdout)) {
    const claude = ClaudeResult.safeParse(value);
    if (claude.success) answer = claude.data.result;
    const gemini = GeminiResponse.safeParse(value);
    if (gemini.success) answer = gemini.data.response;
    const message = CodexMessage.safeParse(value);
    if (message.success) codex.push(message.data.item.text);
  }
  return answer ?? (codex.length ? codex.join('\n') : stdout);
}
