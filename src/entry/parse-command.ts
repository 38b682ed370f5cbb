import type { Actor } from '../core/actor.js';
import type { AuditLog } from '../core/ports/audit-log.js';
import type { Gate } from '../core/task.js';
import { parseText, type ParseOutcome } from '../core/use-cases/parse-text.js';
import { presentParseOutcome } from '../gateway/presenters.js';
import { catalogOf, type Config } from './config/config.js';
import { vocabularyOf } from './config/vocabulary.js';
import { createCliIntentRouter } from './intent-router.js';
import { systemClock, uuidV7Ids } from './system-ports.js';

const CLI_ACTOR: Actor = { id: 'cli', role: 'owner', channel: 'cli' };

// Parsing creates nothing, and the owner is never denied, so there is nothing to audit.
const NOTHING_TO_AUDIT: AuditLog = {
  append: () => Promise.resolve(),
  listBySubject: () => Promise.resolve([]),
};

/** `switchboard parse "<text>" [--json]`: the draft a message would become; creates no task. */
export async function parseCommand(
  config: Config,
  text: string,
  json: boolean,
): Promise<{ readonly code: number; readonly output: string }> {
  const catalog = catalogOf(config);
  const result = await parseText({
    deps: {
      catalog,
      policy: config.approvalPolicy,
      vocabulary: vocabularyOf(config, config.templates),
      audit: NOTHING_TO_AUDIT,
      clock: systemClock,
      ids: uuidV7Ids,
      intentRouter: createCliIntentRouter(config),
    },
    actor: CLI_ACTOR,
    input: { text },
  });
  if (!result.ok) return { code: 1, output: JSON.stringify(result.error) };
  const outcome = result.value;
  const code = outcome.type === 'unusable' ? 1 : 0;
  if (json) return { code, output: JSON.stringify(presentParseOutcome(outcome), null, 2) };
  return { code, output: describe(outcome) };
}

const GATE_WORDS: Readonly<Record<Gate, string>> = {
  none: 'runs at once',
  confirm: 'a guess: waits for one Run tap',
  tap: 'waits for one tap',
  typed_phrase: 'waits for the typed confirmation',
};

function describe(o: ParseOutcome): string {
  switch (o.type) {
    case 'task': {
      const gate = GATE_WORDS[o.assessment.gate];
      const lines = [o.echo, `risk ${o.assessment.risk} (${o.assessment.reason}): ${gate}`];
      if (o.assumptions.length) lines.push(`assumed: ${o.assumptions.join('; ')}`);
      return lines.join('\n');
    }
    case 'query':
      return `query: ${o.echo}`;
    case 'clarify':
      return [o.question, ...o.choices.map((c) => `  - ${c.label}`)].join('\n');
    case 'unusable':
      return o.reason;
    case 'chatter':
      return o.reply;
  }
}
