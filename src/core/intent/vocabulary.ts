import type { TaskTemplate } from '../template.js';

/** What the parser may recognise in a message: the configured names and their aliases. */
export interface Vocabulary {
  readonly hosts: readonly { readonly name: string; readonly aliases: readonly string[] }[];
  readonly repos: readonly {
    readonly name: string;
    readonly host: string;
    readonly aliases: readonly string[];
  }[];
  readonly executors: readonly {
    readonly name: string;
    readonly cli: string;
    readonly model: string | null;
  }[];
  readonly templates: readonly Pick<
    TaskTemplate,
    'name' | 'triggers' | 'params' | 'riskByEnvironment'
  >[];
  readonly defaultExecutor: string | null;
}

/**
 * What people call the agent CLIs, and which model a word implies. `model` is matched as a
 * substring of a configured executor's model ("flash" finds gemini-2.5-flash).
 */
export const EXECUTOR_ALIASES: readonly {
  readonly words: readonly string[];
  readonly cli: string;
  readonly model: string | null;
}[] = [
  { words: ['claude', 'cc', 'claude-code', 'anthropic'], cli: 'claude', model: null },
  { words: ['sonnet'], cli: 'claude', model: 'sonnet' },
  { words: ['opus'], cli: 'claude', model: 'opus' },
  { words: ['haiku'], cli: 'claude', model: 'haiku' },
  { words: ['codex', 'gpt', 'openai', 'chatgpt'], cli: 'codex', model: null },
  { words: ['gemini', 'google'], cli: 'gemini', model: null },
  { words: ['flash'], cli: 'gemini', model: 'flash' },
  { words: ['pro'], cli: 'gemini', model: 'pro' },
];
