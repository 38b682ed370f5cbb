import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Actor } from '../core/actor.js';
import type { CoreDeps } from '../core/deps.js';
import { describeError } from '../core/errors.js';
import { fileToDraft, resultToFile, taskToFile } from '../core/task-file.js';
import { isTerminal } from '../core/task.js';
import { getTaskOutput } from '../core/use-cases/get-task-output.js';
import { getTask } from '../core/use-cases/get-task.js';
import { submitTask } from '../core/use-cases/submit-task.js';
import { createLibsqlStores } from '../db/stores.js';
import type { Config } from './config/config.js';
import { coreSettingsOf } from './core-settings.js';
import { openMigratedDatabase } from './open-database.js';
import { systemClock, uuidV7Ids } from './system-ports.js';

const CLI_ACTOR: Actor = { id: 'cli', role: 'owner', channel: 'cli' };
/** A task file is a request, not a dump: anything bigger is refused before it is read. */
const MAX_TASK_FILE_BYTES = 1024 * 1024;

type Outcome = { readonly code: number; readonly lines: readonly string[] };

/** Runs `work` with the core over the configured database, closed afterwards. */
async function withCore<T>(config: Config, work: (core: CoreDeps) => Promise<T>): Promise<T> {
  const { handle } = await openMigratedDatabase(config);
  try {
    return await work({
      ...createLibsqlStores(handle.db),
      clock: systemClock,
      ids: uuidV7Ids,
      // A running gateway's runner finds queued tasks on its next poll; nothing to tell here.
      notifier: { notify: () => Promise.resolve() },
      ...coreSettingsOf(config),
    });
  } finally {
    handle.close();
  }
}

/** Markdown with YAML front matter, as SPEC §3.8 describes. */
export function renderFrontMatter(front: Record<string, unknown>, body: string): string {
  return `---\n${stringifyYaml(front).trimEnd()}\n---\n${body ? `\n${body.trimEnd()}\n` : ''}`;
}

/** Splits `---\n<yaml>\n---\n<body>`; a file without front matter is refused. */
export function splitFrontMatter(
  text: string,
): { ok: true; front: unknown; body: string } | { ok: false; reason: string } {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  if (!m) return { ok: false, reason: 'it does not start with a --- front matter block' };
  try {
    return {
      ok: true,
      front: parseYaml(m[1] ?? '', { maxAliasCount: 10 }) ?? {},
      body: m[2] ?? '',
    };
  } catch (e) {
    return { ok: false, reason: `its front matter is not valid YAML: ${(e as Error).message}` };
  }
}

/** `switchboard task export <id> [--out DIR]`: `<id>.md`, and `<id>.result.md` once it ended. */
export async function exportTask(config: Config, id: string, outDir: string): Promise<Outcome> {
  return withCore(config, async (core) => {
    const detail = await getTask({ deps: core, actor: CLI_ACTOR, input: { taskId: id } });
    if (!detail.ok) return { code: 1, lines: [describeError(detail.error)] };
    const { task, stages } = detail.value;
    const template = core.catalog.templates.find((t) => t.name === task.template);
    const file = taskToFile(task, template?.expectedOutputs ?? []);
    const taskPath = join(outDir, `${task.id}.md`);
    writeFileSync(taskPath, renderFrontMatter(file.front, file.body));
    const lines = [`wrote ${taskPath}`];
    if (isTerminal(task.status)) {
      const stage = stages.at(-1) ?? null;
      const output = await getTaskOutput({ deps: core, actor: CLI_ACTOR, input: { taskId: id } });
      const result = resultToFile(task, stage, output.ok ? output.value.output : null);
      const resultPath = join(outDir, `${task.id}.result.md`);
      writeFileSync(resultPath, renderFrontMatter(result.front, result.body));
      lines.push(`wrote ${resultPath}`);
    }
    return { code: 0, lines };
  });
}

/** `switchboard task import <file>`: submits the file's request as a new task. */
export async function importTask(config: Config, path: string): Promise<Outcome> {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_TASK_FILE_BYTES)
      return {
        code: 1,
        lines: [`${path}: ${size} bytes; a task file may have at most ${MAX_TASK_FILE_BYTES}`],
      };
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return {
      code: 1,
      lines: [`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`],
    };
  }
  const split = splitFrontMatter(text);
  if (!split.ok) return { code: 1, lines: [`${path}: ${split.reason}`] };
  const draft = fileToDraft(split.front, split.body);
  if (!draft.ok)
    return {
      code: 1,
      lines: draft.issues.map((i) => `${path}: ${i.path || '(front matter)'}: ${i.message}`),
    };
  return withCore(config, async (core) => {
    const submitted = await submitTask({
      deps: core,
      actor: CLI_ACTOR,
      input: { draft: draft.value },
    });
    if (!submitted.ok) return { code: 1, lines: [`${path}: ${describeError(submitted.error)}`] };
    const { task, approval } = submitted.value;
    const gate = approval
      ? approval.requiredPhrase
        ? `; it waits for the typed confirmation "${approval.requiredPhrase}"`
        : '; it waits for one approval'
      : '';
    return { code: 0, lines: [`task ${task.id} created (${task.status})${gate}`] };
  });
}
