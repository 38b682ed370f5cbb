import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Layering (ARCHITECTURE.md): each folder may import only what its line there names.
const layer = (target, allowed) => ({
  target: `./src/${target}`,
  from: './src',
  except: [`./${target}`, ...allowed.map((a) => `./${a}`)],
  message: `src/${target} may import only from ${[target, ...allowed].join(', ')} (ARCHITECTURE.md)`,
});

const NO_EXPORT_ALL = {
  selector: 'ExportAllDeclaration',
  message: 'Named exports only: no `export *`.',
};
const ENV_READ = {
  object: 'process',
  property: 'env',
  message: 'Only src/entry reads process.env.',
};

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'coverage', 'src/db/migrations'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
      'import-x/no-duplicates': 'error',
      'no-restricted-syntax': ['error', NO_EXPORT_ALL],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            layer('core', []),
            layer('db', ['core']),
            layer('runner', ['core']),
            layer('bot', ['core']),
            layer('gateway', ['core', 'bot']),
          ],
        },
      ],
    },
  },
  {
    // The web app (plain ES modules served to the browser) and its service worker.
    files: ['src/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/web/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    // Only src/entry reads the environment (config is parsed once there).
    files: ['src/**/*.ts'],
    ignores: ['src/entry/**'],
    rules: {
      'no-restricted-properties': ['error', ENV_READ],
    },
  },
  {
    // The core is pure: zod and itself, nothing else (no node:*, no runtime, no clock).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|\\.\\.?/).*',
              message: 'src/core imports only zod (ARCHITECTURE.md rule 1).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The core reads no env: config is passed in.' },
        { name: 'setTimeout', message: 'The core does no I/O.' },
        { name: 'setInterval', message: 'The core does no I/O.' },
        { name: 'fetch', message: 'The core does no I/O.' },
        { name: 'crypto', message: 'The core reads no randomness: use the IdGen port.' },
      ],
      'no-restricted-properties': [
        'error',
        ENV_READ,
        {
          object: 'Math',
          property: 'random',
          message: 'The core reads no randomness: use the IdGen port.',
        },
        {
          object: 'Date',
          property: 'now',
          message: 'The core reads no clock: use the Clock port.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        NO_EXPORT_ALL,
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'The core reads no clock: use the Clock port.',
        },
      ],
    },
  },
);
