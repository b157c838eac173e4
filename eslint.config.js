import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Imports only go down (#16). Layers, lowest first; a part may import the layers below it, never a
// sibling or a layer above (README "Development" draws the same picture):
//   api + contracts  the CRD and the documents the parts exchange (config, queue figures, metric and
//                    log names, error codes, redaction); they import no part
//   monitoring       alert rules, dashboard, log alerts (pure builders over the contracts)
//   worker, simulator, operator (the operator renders monitoring's PrometheusRule)
//   roi              ROI measurement and report (reads monitoring's log figures)
//   cli              wires everything together
const PARTS = ['operator', 'worker', 'simulator', 'monitoring', 'roi', 'cli'];
const layerPattern = (dir, allowed) => {
  const forbidden = PARTS.filter((part) => part !== dir && !allowed.includes(part));
  return {
    regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
    message: `src/${dir} may import only ${['api', 'contracts', ...allowed].join(', ')} (imports only go down, #16; README "Development").`,
  };
};
const layer = (dir, allowed) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns: [layerPattern(dir, allowed)] }] },
});

// #16: the worker core reports what happens on its typed events (src/worker/worker-events.ts) and
// depends on neither prom-client nor the logger; only these modules turn events into metrics and log
// lines, or wire the worker together. (A later config's rule replaces an earlier one's options, so the
// layer pattern is repeated here.)
const WORKER_OBSERVERS = ['metrics.ts', 'metrics-subscriber.ts', 'log-subscriber.ts', 'run.ts', 'main.ts'];
const OBSERVER_MESSAGE =
  'the worker core emits events (src/worker/worker-events.ts); only metrics-subscriber.ts, log-subscriber.ts, metrics.ts, run.ts and main.ts touch metrics or the logger (#16)';
const workerCore = {
  files: ['src/worker/**/*.ts'],
  ignores: WORKER_OBSERVERS.map((file) => `src/worker/${file}`),
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: ['prom-client', 'winston', 'winston-transport'].map((name) => ({
          name,
          message: OBSERVER_MESSAGE,
        })),
        patterns: [
          layerPattern('worker', []),
          { regex: '(^|/)contracts/logger(\\.ts)?$', message: OBSERVER_MESSAGE },
          { regex: '^\\./(metrics|metrics-subscriber|log-subscriber)(\\.ts)?$', message: OBSERVER_MESSAGE },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'charts/', 'deploy/', 'crds/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  layer('api', []),
  layer('contracts', []),
  layer('monitoring', []),
  layer('worker', []),
  workerCore,
  layer('simulator', []),
  layer('operator', ['monitoring']),
  layer('roi', ['monitoring']),
  {
    // #14: client-node's index loads its whole generated API surface (~28 MiB of the operator's resident
    // set); the operator imports its types only, and at run time the few modules it uses by their paths
    // (src/operator/kube/kube-request.ts, list-watch.ts).
    files: ['src/operator/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@kubernetes/client-node',
              allowTypeImports: true,
              message:
                "types only (import type): the index loads client-node's whole generated API surface (#14); use src/operator/kube/kube-request.ts",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests poke at arbitrary JSON from the API server.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
