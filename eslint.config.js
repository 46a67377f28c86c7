import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * Which folders of lib/ each folder may import (README "How it is built"): the module, guard and
 * service at the top use the folders; the folders never import the top, and point one way among
 * themselves. A folder not listed as allowed is an import error.
 */
const LIB_FOLDERS = [
  'algorithms',
  'auth',
  'contexts',
  'decorators',
  'errors',
  'headers',
  'observability',
  'rules',
  'storage',
  'utils',
];
const MAY_IMPORT = {
  errors: [],
  utils: [],
  headers: [],
  algorithms: ['errors', 'utils'],
  storage: ['algorithms', 'errors', 'utils'],
  contexts: ['errors', 'headers', 'utils'],
  auth: ['contexts', 'errors', 'utils'],
  rules: ['algorithms', 'auth', 'errors', 'headers', 'storage', 'utils'],
  decorators: ['rules', 'errors'],
  observability: ['auth', 'errors', 'headers', 'rules', 'storage', 'utils'],
};
const folderDirections = Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
  files: [`lib/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['../rate-limit*', '../index*'],
            message: `lib/${folder}/ must not import the root of lib/ (the module, guard and service use the folders, not the reverse).`,
          },
          ...LIB_FOLDERS.filter((other) => other !== folder && !allowed.includes(other)).map((other) => ({
            group: [`../${other}/*`, `../${other}`],
            message: `lib/${folder}/ may import only ${allowed.length ? allowed.join(', ') : 'no other folder of lib/'} (see eslint.config.js MAY_IMPORT).`,
          })),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: ['dist/**', 'dist-sample/**', 'node_modules/**', 'coverage/**', 'bench/.tmp/**', 'test/packaging/.tmp/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...folderDirections,
);
