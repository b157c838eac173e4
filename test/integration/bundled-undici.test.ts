// Neither long-running process loads Node's bundled undici (#14 operator, #12 worker): an ES import of
// node:http reads its lazy http.WebSocket getter, which loads that second copy of undici (~13 MiB in a
// bare process; ~1.5 MiB of the loaded operator, ~2.5 MiB of the worker, which calls upstreams with the
// npm undici). The operator's port of client-node's Watch (watch.ts) and both HTTP servers taking
// node:http through process.getBuiltinModule keep it out; an ES import of node:http anywhere in their
// module graphs brings it back.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

it.each([
  ['operator', 'src/operator/start-operator.ts'],
  ['worker', 'src/worker/run.ts'],
])("loads the %s without Node's bundled undici", (_name, entry) => {
  // A fresh process: Jest's own modules load node:http. Node 24 from the `node` devDependency runs the
  // TypeScript sources as the npm scripts do.
  const loaded = execFileSync(
    process.execPath,
    [
      '--experimental-strip-types',
      '--no-warnings',
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(join(process.cwd(), entry))});
       console.log(process.moduleLoadList.filter((m) => m.includes('deps/undici')).join(','));`,
    ],
    { encoding: 'utf8' },
  );
  expect(loaded.trim()).toBe('');
});
