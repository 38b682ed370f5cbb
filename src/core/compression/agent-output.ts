import { clip } from './text.js';

/** What an agent CLI's machine-readable output says, read defensively (any shape may be cut). */
export interface AgentReport {
  /** claude's `result`, gemini's `response`, codex's last agent message (clipped). */
  readonly result: string | null;
  /** The whole answer: the same, uncut, with all of codex's agent messages (consensus). */
  readonly answer: string | null;
  readonly error: string | null;
  /** Commands the agent ran (codex command_execution items). */
  readonly commands: number;
  /** Files the agent changed (codex file_change items). */
  readonly files: readonly string[];
  /** What those commands printed (capped): test runs inside an agent's turn count too. */
  readonly commandOutput: string;
}

const COMMAND_OUTPUT_CHARS = 16_000;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);

/** One JSON object per line (JSONL), or the whole text as one pretty-printed object. */
function values(lines: readonly string[]): Json[] {
  const out: Json[] = [];
  for (const l of lines) {
    const t = l.trim();
    if (!t.startsWith('{') || !t.endsWith('}')) continue;
    try {
      const v: unknown = JSON.parse(t);
      if (isObject(v)) out.push(v);
    } catch {
      // A line that only looks like JSON.
    }
  }
  if (out.length === 0) {
    const whole = lines.join('\n').trim();
    if (whole.startsWith('{') && whole.endsWith('}')) {
      try {
        const v: unknown = JSON.parse(whole);
        if (isObject(v)) out.push(v);
      } catch {
        // Not JSON after all.
      }
    }
  }
  return out;
}

/** Reads claude (json / stream-json), codex (exec --json) and gemini (json) output alike. */
export function readAgentOutput(lines: readonly string[]): AgentReport | null {
  const events = values(lines);
  if (events.length === 0) return null;
  let result: string | null = null;
  let answer: string | null = null;
  const messages: string[] = [];
  let error: string | null = null;
  let commands = 0;
  const files: string[] = [];
  let commandOutput = '';
  for (const e of events) {
    if (e.type === 'result') {
      const text = str(e.result);
      if (e.is_error === true) error = text ?? str(e.subtype) ?? 'error';
      else result = text ?? result;
      if (typeof e.result === 'string') answer = e.result;
    }
    if (str(e.response)) result = answer = str(e.response);
    if (isObject(e.error)) error = str(e.error.message) ?? error;
    if (e.type === 'error') error = str(e.message) ?? error;
    if (e.type === 'turn.failed' && isObject(e.error)) error = str(e.error.message) ?? error;
    const item = isObject(e.item) ? e.item : null;
    if (e.type === 'item.completed' && item) {
      if (item.type === 'agent_message') {
        result = str(item.text) ?? result;
        if (typeof item.text === 'string') messages.push(item.text);
      }
      if (item.type === 'command_execution') {
        commands++;
        const printed = str(item.aggregated_output);
        if (printed && commandOutput.length < COMMAND_OUTPUT_CHARS)
          commandOutput += `${printed.slice(0, COMMAND_OUTPUT_CHARS - commandOutput.length)}\n`;
      }
      if (item.type === 'file_change' && Array.isArray(item.changes))
        for (const c of item.changes)
          if (isObject(c) && str(c.path) && !files.includes(c.path as string))
            files.push(c.path as string);
    }
  }
  return {
    result: result === null ? null : clip(result, 200),
    answer: answer ?? (messages.length ? messages.join('\n') : null),
    error: error === null ? null : clip(error, 200),
    commands,
    files,
    commandOutput,
  };
}
