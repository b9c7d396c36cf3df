// Type-aware lint, and the layering of the project enforced as import rules:
// daemon/ -> src/server, src/sync, src/local, src/cli -> src/store, src/wire -> src/engine;
// src/server and src/cli share the admin API's contract (src/contract), which depends on the engine alone.
import tseslint from 'typescript-eslint';

const engineForbidden = {
  patterns: [
    { group: ['node:*', 'fs', 'path', 'os', 'net', 'crypto'], message: 'the engine is pure: no Node.js modules' },
    {
      group: ['ws', 'better-sqlite3', 'protobufjs', 'protobufjs/*', 'pino', 'node-cron', 'yaml', 'zod'],
      message: 'the engine is pure: no I/O or parsing libraries',
    },
    { group: ['../*', '!../engine/*'], message: 'the engine depends on nothing else in the project' },
  ],
};

const lowerLayerForbidden = {
  patterns: [
    {
      group: ['../cli/*', '../server/*', '../sync/*', '../local/*', '../../daemon/*'],
      message: 'agent, store, wire and scenario code sit below the process layers',
    },
  ],
};

/** What a peer layer (server, sync, local) may not import. */
function peersForbidden(self) {
  const others = ['server', 'sync', 'local', 'cli'].filter((layer) => layer !== self).map((layer) => `../${layer}/*`);
  return {
    patterns: [{ group: [...others, '../../daemon/*'], message: 'server, sync and local are peers below the CLI' }],
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'proto/generated/', 'src/wire/generated/', '.tollgate/'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'only daemon/ reads the environment' },
        { object: 'process', property: 'exit', message: 'only daemon/ and bin/ end the process' },
      ],
    },
  },
  { files: ['src/engine/**/*.ts'], rules: { 'no-restricted-imports': ['error', engineForbidden] } },
  {
    files: ['src/store/**/*.ts', 'src/wire/**/*.ts', 'src/scenario/**/*.ts', 'src/agent/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', lowerLayerForbidden] },
  },
  // The process-facing layers are peers: none of them reaches into another, nor into the CLI.
  { files: ['src/server/**/*.ts'], rules: { 'no-restricted-imports': ['error', peersForbidden('server')] } },
  { files: ['src/sync/**/*.ts'], rules: { 'no-restricted-imports': ['error', peersForbidden('sync')] } },
  { files: ['src/local/**/*.ts'], rules: { 'no-restricted-imports': ['error', peersForbidden('local')] } },
  // The admin API's contract sits with the engine: zod and the engine's constants, nothing of a process layer.
  {
    files: ['src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../agent/*',
                '../cli/*',
                '../local/*',
                '../scenario/*',
                '../server/*',
                '../store/*',
                '../sync/*',
                '../wire/*',
                '../../daemon/*',
                'node:*',
                'fastify',
              ],
              message: 'the contract depends on the engine alone',
            },
          ],
        },
      ],
    },
  },
  // The CLI takes the admin API's shapes from the contract, never from the server's internals.
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../server/admin-*',
                '../server/approval-*',
                '../server/contract-*',
                '../server/http-errors.js',
                '../server/types.js',
                '../server/world-diff.js',
              ],
              message: 'the CLI takes request and answer shapes from src/contract',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
