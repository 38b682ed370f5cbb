import type { Vocabulary } from '../../core/intent/vocabulary.js';
import type { Config } from './config.js';

/** What the intent parser may recognise, from the configuration and the loaded templates. */
export function vocabularyOf(config: Config, templates: Vocabulary['templates']): Vocabulary {
  return {
    hosts: [
      { name: 'local', aliases: ['localhost', 'here', 'this-machine'] },
      ...config.hosts.map((h) => ({ name: h.name, aliases: [] })),
    ],
    repos: config.repos.map((r) => ({ name: r.name, host: r.host, aliases: r.aliases })),
    executors: config.executors.map((e) => ({ name: e.name, cli: e.cli, model: e.model })),
    templates,
    defaultExecutor: config.defaultExecutor,
  };
}
