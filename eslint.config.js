// SPDX-License-Identifier: Apache-2.0
// Lint for the browser pages (web/) and the end-to-end tests (tests/e2e/): `npm run lint`.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/', 'build*/', 'tests/e2e/out/'] },
  js.configs.recommended,
  {
    files: ['web/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['tests/e2e/**/*.mjs', 'eslint.config.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: globals.node },
  },
  {
    files: ['tests/e2e/**/*.mjs'],
    // page.evaluate() bodies run in the browser.
    languageOptions: { globals: { ...globals.node, window: 'readonly', document: 'readonly', performance: 'readonly' } },
  },
  {
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
    },
  },
];
