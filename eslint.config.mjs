// Lint rules, including the import boundaries between the project's rooms (see README, "Where things live").
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const rooms = ['edge', 'queue', 'inventory', 'workers', 'web', 'infra'];
const SEE = 'see README, "Where things live"';

/**
 * workers/ has no index of its own: it is one sub-room per capability, each entered only through its index.ts.
 * - `uses`: what the sub-room may import — top-level rooms and sibling sub-rooms, each through its index.ts.
 * - `enteredBy`: the top-level rooms besides infra/ (which wires everything) that may import it.
 * Read bottom to top, one purchase goes edge → checkout → inventory/ and events → orders; the order of the sub-rooms
 * is checked to be acyclic below, so an arrow that points back up fails here before madge sees a file cycle.
 *
 * Errors: each sub-room keeps its own (identity's EmailTakenError; drops' NotFound, Conflict, Forbidden and
 * InvalidInput errors; checkout's PaymentDeclinedError). edge/problems.ts maps them by their `code`, not their class,
 * so nothing needs a shared workers/errors module: there is no exception to these rules.
 */
const workerRooms = {
  identity: { uses: [], enteredBy: ['edge'] },
  events: { uses: ['inventory'], enteredBy: [] },
  drops: { uses: ['identity', 'queue', 'inventory'], enteredBy: ['edge'] },
  checkout: { uses: ['inventory', 'events'], enteredBy: ['edge'] },
  orders: { uses: ['inventory', 'events', 'drops'], enteredBy: ['edge'] },
  receipts: { uses: ['inventory', 'events'], enteredBy: [] },
  media: { uses: [], enteredBy: ['edge'] },
  webhooks: { uses: ['inventory', 'events'], enteredBy: ['edge'] },
};
const subRooms = Object.keys(workerRooms);

/** Throws when a sub-room names an unknown room, or when the sub-rooms' `uses` form a cycle. */
function checkWorkerRooms() {
  for (const [name, { uses }] of Object.entries(workerRooms)) {
    const unknown = uses.filter((u) => !subRooms.includes(u) && !rooms.includes(u));
    if (unknown.length > 0) throw new Error(`workers/${name} uses unknown rooms: ${unknown.join(', ')}`);
  }
  const done = new Set();
  const visit = (name, path) => {
    if (path.includes(name))
      throw new Error(`workers sub-rooms import in a cycle: ${[...path, name].join(' → ')}`);
    if (done.has(name)) return;
    for (const next of workerRooms[name].uses.filter((u) => subRooms.includes(u)))
      visit(next, [...path, name]);
    done.add(name);
  };
  for (const name of subRooms) visit(name, []);
}
checkWorkerRooms();

/** What other rooms may import of a room: its index.ts (workers/: each sub-room's; infra/: the fixtures and the kit too). */
const entries = {
  workers: subRooms.map((s) => `${s}/index\\.js`),
  infra: ['index\\.js', 'testing/index\\.js', 'kit/index\\.js'],
};

/**
 * Each room is entered only through its index.ts: `../queue/keys.js` is refused, `../queue/index.js` is fine.
 * infra/testing/index.ts (the test fixtures shared by every folder's tests) and infra/kit/index.ts (plumbing) are
 * infra/'s other entries.
 */
const deepImports = rooms.map((room) => ({
  regex: `^(\\.\\./)+${room}/(?!(${(entries[room] ?? ['index\\.js']).join('|')})$)`,
  message:
    room === 'workers'
      ? 'Import workers/ only through a sub-room’s index.ts (workers/<sub-room>/index.ts).'
      : `Import ${room}/ only through ${room}/index.ts.`,
}));

const banRoom = (room, other) => ({
  group: [`**/${other}/**`, `**/${other}/index.js`],
  message: `${room}/ may not import ${other}/ (${SEE}).`,
});

/** Which top-level rooms a room may not import at all; edge/ enters workers/ only through some sub-rooms. */
const forbidden = {
  queue: ['edge', 'inventory', 'workers', 'web', 'infra'],
  inventory: ['edge', 'queue', 'workers', 'web', 'infra'],
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
          ...banned.map((other) => banRoom(room, other)),
          ...(banned.includes('workers')
            ? []
            : subRooms
                .filter((sub) => !workerRooms[sub].enteredBy.includes(room))
                .map((sub) => banRoom(room, `workers/${sub}`))),
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

/** Each workers sub-room: its siblings only through their index.ts, and only those (and rooms) it `uses`. */
const workerConfigs = Object.entries(workerRooms).map(([sub, { uses }]) => ({
  files: [`workers/${sub}/**/*.ts`],
  ignores: [`workers/${sub}/**/*.test.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...deepImports,
          {
            regex: `^\\.\\./(${subRooms.join('|')})/(?!index\\.js$)`,
            message: 'Import a sibling sub-room only through its index.ts.',
          },
          {
            regex: '^(\\.\\./){2,}workers/',
            message: 'Reach a sibling sub-room as ../<sub-room>/index.js, under its rule.',
          },
          {
            regex: '^\\.\\./[^/]+$',
            message: 'workers/ holds only sub-rooms: there is nothing outside them.',
          },
          ...subRooms
            .filter((other) => other !== sub && !uses.includes(other))
            .map((other) => ({
              regex: `^\\.\\./${other}/`,
              message: `workers/${sub}/ may not import workers/${other}/ (${SEE}).`,
            })),
          ...rooms
            .filter((other) => other !== 'workers' && !uses.includes(other))
            .map((other) => banRoom(`workers/${sub}`, other)),
        ],
      },
    ],
  },
}));

/**
 * infra/kit/ is plumbing with no domain knowledge (script loader, ticker, lease): it imports no project folder, not
 * even the rest of infra/. The rest of infra/ enters it through its index.ts.
 */
const kitConfigs = [
  {
    files: ['infra/**/*.ts'],
    ignores: ['infra/kit/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...deepImports,
            {
              regex: '^(\\./|(\\.\\./)+)kit/(?!index\\.js$)',
              message: 'Import infra/kit/ only through its index.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['infra/kit/**/*.ts'],
    ignores: ['infra/kit/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./', message: 'infra/kit/ imports no project folder.' }] },
      ],
    },
  },
];

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
  ...workerConfigs,
  ...kitConfigs,
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
