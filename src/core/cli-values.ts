import { z } from 'zod';

// Values that come back from a runner or a CLI's output and later go into an argv. Checked
// against the CLI's own format, so none can pass for a flag (`--dangerously-…`) or a path.

/**
 * A CLI session id: claude's `session_id`, codex's `thread_id` and gemini's `session_id` are
 * all UUIDs. Gemini's `--resume` also takes `latest` or an index, but those name whichever
 * session is newest, not this task's: only a UUID is resumed.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isSessionId = (value: unknown): value is string =>
  typeof value === 'string' && UUID.test(value);

export const sessionIdSchema = z.string().regex(UUID, 'a CLI session id is a UUID');

/**
 * A model name as the CLIs take it (`sonnet`, `gpt-5-codex`, `gemini-2.5-pro`,
 * `claude-sonnet-4-5[1m]`, `us.anthropic.claude…:0`): never a leading `-`, no spaces.
 */
const MODEL = /^[A-Za-z0-9][A-Za-z0-9._:/@+[\]-]{0,127}$/;

export const isModelName = (value: unknown): value is string =>
  typeof value === 'string' && MODEL.test(value);

export const modelNameSchema = z
  .string()
  .regex(MODEL, 'a model name of letters, digits and . _ : / @ + [ ] -, not starting with -');
