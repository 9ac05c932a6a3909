// Lint rules, including the import boundaries between the project's folders (see README, "Architecture").
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const rooms = ['edge', 'queue', 'inventory', 'workers', 'web', 'infra'];

/**
 * Each folder is entered only through its index.ts: `../queue/keys.js` is refused, `../queue/index.js` is fine.
 * infra/testing/index.ts is the one other entry: the test fixtures shared by every folder's tests.
 */
const deepImports = rooms.map((room) => ({
  regex: `^(\\.\\./)+${room}/(?!index\\.js$${room === 'infra' ? '|testing/index\\.js$' : ''})`,
  message: `Import ${room}/ only through ${room}/index.ts.`,
}));

/** Which folders a folder may not import at all. */
const forbidden = {
  queue: ['edge', 'inventory', 'workers', 'web', 'infra'],
  inventory: ['edge', 'queue', 'workers', 'web', 'infra'],
  workers: ['edge', 'web', 'infra'],
  edge: ['web', 'infra'],
  web: ['queue', 'inventory', 'workers', 'infra'],
};

const roomConfigs = Object.entries(forbidden).map(([room, banned]) => ({
  files: [`${room}/**/*.ts`],
  ignores: [`${room}/**/*.test.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...deepImports,
          ...banned.map((other) => ({
            group: [`**/${other}/**`, `**/${other}/index.js`],
            message: `${room}/ may not import ${other}/ (see the folder rules in README, "Architecture").`,
          })),
          ...(room === 'web'
            ? [
                {
                  group: ['**/edge/**'],
                  allowTypeImports: true,
                  message: 'web/ imports only types from edge/.',
                },
              ]
            : []),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', 'bench-results/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      'no-restricted-imports': ['error', { patterns: deepImports }],
      'no-console': 'error',
    },
  },
  ...roomConfigs,
  {
    files: ['**/*.test.ts', 'infra/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/require-await': 'off' },
  },
  {
    // Tests assert on response shapes read as `any`.
    files: ['**/*.test.ts', 'infra/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['*.mjs'], ...tseslint.configs.disableTypeChecked },
);
