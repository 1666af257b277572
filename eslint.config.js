import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Type-checked linting of every TypeScript file (src, test, client) and the bench's scripts. */
export default tseslint.config(
  { ignores: ['dist/', 'client/dist/', 'coverage/', 'bench/results/', 'src/playground/public/*.js', '**/*.d.ts', 'test/package/host/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits in a socket or timer callback is how one rejection stops the process.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // An async function without await still turns a throw into a rejection, which promise-returning interfaces rely on.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read frames and bodies as the JSON they are, and assert on their shape.
    files: ['test/**/*.ts', 'client/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['src/playground/public/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
