// ESLint: typescript-eslint's recommended rules, plus the type-aware ones that
// catch what a test rarely does (a promise nobody awaits, an await of a value
// that is no promise, a promise passed where a callback's result is ignored).
// Unused exports and files are knip's job (knip.json): import-x's
// no-unused-modules does not work under ESLint's flat config.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/', '**/results/', '.run/', '**/node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  // k6 runs these in its own runtime, which provides __ENV.
  { files: ['bench/k6/**/*.js'], languageOptions: { globals: { __ENV: 'readonly' } } },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  // The browser's code: its own program, with the DOM's types (web-client/app/tsconfig.json).
  {
    files: ['web-client/app/**/*.ts'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { project: './web-client/app/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
);
