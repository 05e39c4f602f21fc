/** `npm run lint`: ESLint with typescript-eslint's recommended rules, for every folder of the project. */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { builtinModules } from 'node:module';
import { layersRule } from './eslint-layers.js';

/**
 * Ad-hoc civil dates: a UTC day (`toISOString().slice(0, 10)`) or the machine's
 * own zone (`getDate()`, `toLocaleDateString()`…). Exported for its test.
 */
export const civilDateRules = [
  {
    selector:
      "CallExpression[callee.property.name=/^(slice|substring|substr)$/][callee.object.type='CallExpression'][callee.object.callee.property.name='toISOString']",
    message:
      'Une date civile se calcule dans shared/domain/civil-date.ts (todayIn, civilDateOf…), dans le fuseau du cabinet, jamais par toISOString().slice(0, 10).',
  },
  {
    selector:
      'CallExpression[callee.property.name=/^(getFullYear|getMonth|getDate|getDay|getHours|getMinutes|getSeconds|getTimezoneOffset|setDate|setHours|toLocaleDateString|toLocaleTimeString|toDateString)$/]',
    message:
      'Le fuseau de la machine n’est pas celui du cabinet : utilisez shared/domain/civil-date.ts (todayIn, civilDateOf, formatInstant…).',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Seuls electron/main.ts et electron/preload.ts importent electron.' }] },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Calendar dates are the practice's dates: only shared/domain/civil-date.ts turns an instant into a date (README, Configuration).
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['shared/domain/civil-date.ts'],
    rules: { 'no-restricted-syntax': ['error', ...civilDateRules] },
  },
  {
    // The layers (build/eslint-layers.ts): platform ← services ← app ← hosts; shared/ alone; the renderer on
    // shared/contract + shared/domain; sandboxes/ never imported by the app (tests and the sandbox launchers aside).
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.mjs'],
    plugins: { cabinet: { rules: { layers: layersRule } } },
    rules: { 'cabinet/layers': 'error' },
  },
  {
    files: ['electron/main.ts', 'electron/preload.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // shared/ runs in the renderer too: no Node module, no electron.
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'shared/ ne dépend ni d’Electron ni de Node : il est aussi chargé par le rendu.' },
            ...builtinModules.map((name) => ({
              name,
              message: 'shared/ ne dépend ni d’Electron ni de Node : il est aussi chargé par le rendu.',
            })),
          ],
          patterns: [{ group: ['node:*'], message: 'shared/ ne dépend ni d’Electron ni de Node : il est aussi chargé par le rendu.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // React's hook rules (the React Compiler's stricter ones stay off: the renderer is not compiled by it).
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron'],
          patterns: [
            {
              group: ['node:*', '**/electron/**', '**/electron', '**/sandboxes/**'],
              message: 'Le rendu ne parle aux services que par le contrat (renderer/bridge).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/cli/cabinet.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);
