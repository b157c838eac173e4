/* global process, console, setTimeout, clearTimeout, fetch, URL */
// Runs inside the image (mounted read-only by smoke-test.sh): checks what only the container can see.
// Prints one "ok"/"FAIL" line per check and exits 1 if any failed. Writes nothing.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const APP = '/app';
let failed = 0;
const check = (ok, what, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) failed += 1;
};

check(process.version.startsWith('v24.'), 'Node 24', process.version);
check(process.getuid() === 65532 && process.getgid() === 65532, 'runs as 65532:65532');
check(process.env.NODE_ENV === 'production' && process.env.HOME === '/tmp', 'NODE_ENV=production, HOME=/tmp');
check(process.cwd() === APP, 'WORKDIR /app');

// (@types/node is not listed: @kubernetes/client-node depends on it at run time.)
const devOnly = ['node', 'typescript', 'jest', '@swc/core', 'eslint', 'prettier'];
const present = devOnly.filter((name) => existsSync(join(APP, 'node_modules', name)));
check(present.length === 0, 'no dev dependencies in node_modules', present.join(', '));
check(!existsSync(join(APP, 'src')) && !existsSync(join(APP, 'test')), 'no sources or tests in /app');

// Every module except entry points and generators imports: all runtime dependencies are production ones.
const modules = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.js') && entry.name !== 'main.js' && !entry.name.startsWith('generate-'))
      modules.push(path);
  }
};
walk(join(APP, 'dist/src'));
const broken = [];
for (const path of modules) {
  try {
    await import(pathToFileURL(path).href);
  } catch (error) {
    broken.push(`${path.slice(APP.length + 1)}: ${error.code ?? ''} ${error.message.split('\n')[0]}`);
  }
}
check(
  modules.length > 0 && broken.length === 0,
  `all ${modules.length} library modules import`,
  broken.join('\n      '),
);

// resvg's native binding (the ROI report's PNGs) is the one prebuilt binary the image needs.
try {
  const { Resvg } = createRequire(join(APP, 'package.json'))('@resvg/resvg-js');
  const png = new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>').render().asPng();
  check(png.subarray(1, 4).toString() === 'PNG', '@resvg/resvg-js renders a PNG');
} catch (error) {
  check(false, '@resvg/resvg-js renders a PNG', error.message);
}

const run = (args, env = {}, { timeoutMs = 20_000, onLine } = {}) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: APP, env: { ...process.env, ...env } });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const take = (chunk) => {
      out += chunk;
      if (onLine) for (const line of String(chunk).split('\n')) if (line) onLine(line, child);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });

const op = await run(['dist/src/operator/main.js', '--help']);
check(
  op.code === 0 && /usage: operator/.test(op.out),
  'operator --help (module graph loads)',
  op.code ? op.out : '',
);

let health = 'no simulator_start line';
const sim = await run(
  ['dist/src/simulator/main.js'],
  { SIMULATOR_PORT: '0', SIMULATOR_HOST: '127.0.0.1' },
  {
    onLine: (line, child) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event.event !== 'simulator_start') return;
      fetch(new URL('/healthz', event.url))
        .then(async (res) => (health = `${res.status} ${(await res.text()).trim()}`))
        .catch((error) => (health = error.message))
        .finally(() => child.kill('SIGTERM'));
    },
  },
);
check(
  health === '200 ok' && sim.code === 0,
  'simulator serves /healthz and exits 0 on SIGTERM',
  `${health}, exit ${sim.code ?? sim.signal}`,
);

process.exit(failed ? 1 : 0);
