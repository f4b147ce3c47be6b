import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    // Jest's asymmetric matchers (expect.any, expect.stringMatching, expect.objectContaining)
    // are typed `any` by @types/jest, and assertions put them in object literals everywhere.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', module: 'readonly' },
    },
  },
  {
    // dependency-cruiser's configuration is CommonJS (module.exports).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // The example single-page app runs in the browser.
    files: ['examples/spa/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'sessionStorage',
          'fetch',
          'crypto',
          'btoa',
          'atob',
          'TextEncoder',
          'URLSearchParams',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
