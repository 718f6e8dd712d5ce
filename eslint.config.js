// ESLint flat config: ESLint's recommended rules plus typescript-eslint's recommended type-checked
// rules for all TypeScript (type information from tsconfig.eslint.json, which adds test/ and bench/
// to the build's tsconfig.json). The few plain JavaScript files get the untyped rules only.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', 'scratch/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: './tsconfig.eslint.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // In-memory implementations of async seams (MemoryStore, MemoryPeerBook) are async on
      // purpose: a throw inside must become a rejection, as in the implementations on disk.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly' },
    },
  },
  {
    // The dashboard's script runs in the browser, not in Node.
    files: ['node/http/ui/**/*.js'],
    languageOptions: {
      globals: {
        AbortSignal: 'readonly', crypto: 'readonly', DataView: 'readonly', document: 'readonly', fetch: 'readonly',
        globalThis: 'readonly', location: 'readonly', performance: 'readonly', setTimeout: 'readonly', TextEncoder: 'readonly',
      },
    },
  },
);
