import type { Vocabulary } from '../../src/core/intent/vocabulary.js';

/** The vocabulary of the intent tests: two SSH hosts, repos with aliases, three executors. */
export const TEST_VOCABULARY: Vocabulary = {
  hosts: [
    { name: 'local', aliases: ['localhost'] },
    { name: 'build-vm', aliases: ['build'] },
    { name: 'mac-mini', aliases: ['mac'] },
  ],
  repos: [
    { name: 'api', host: 'build-vm', aliases: ['backend'] },
    { name: 'klm-site', host: 'build-vm', aliases: ['klm-web'] },
    { name: 'ios-app', host: 'mac-mini', aliases: ['ios', 'iphone-app'] },
  ],
  executors: [
    { name: 'claude-sonnet', cli: 'claude', model: 'sonnet' },
    { name: 'claude-opus', cli: 'claude', model: 'opus' },
    { name: 'codex', cli: 'codex', model: null },
    { name: 'gemini-flash', cli: 'gemini', model: 'gemini-2.5-flash' },
  ],
  templates: [
    {
      name: 'deploy',
      triggers: ['deploy', 'ship', 'release', 'roll out'],
      params: [
        {
          name: 'service',
          type: 'string',
          required: true,
          default: null,
          values: ['klm', 'api', 'web'],
          description: null,
        },
      ],
      riskByEnvironment: { dev: 'low', staging: 'medium', production: 'high' },
    },
    {
      name: 'hugo-build',
      triggers: ['build', 'hugo build', 'rebuild'],
      params: [
        {
          name: 'site',
          type: 'string',
          required: true,
          default: null,
          values: null,
          description: null,
        },
      ],
      riskByEnvironment: { dev: 'low', staging: 'low', production: 'medium' },
    },
    {
      name: 'run-tests',
      triggers: ['run the tests', 'run tests', 'run the test suite', 'test'],
      params: [],
      riskByEnvironment: {},
    },
    { name: 'git-status', triggers: ['git status'], params: [], riskByEnvironment: {} },
  ],
  defaultExecutor: 'codex',
};
