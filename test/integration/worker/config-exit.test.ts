// #18: a worker whose configuration is invalid exits 2 naming the field (the rule is the one the API
// server enforces at admission, shared through src/api), never 1 with a bare "Invalid URL" — the
// config a user could once get past admission: upstream.primaryUrl with port 99999.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

it('exits 2 naming upstream.primaryUrl when its port is out of range', () => {
  const dir = mkdtempSync(join(tmpdir(), 'worker-config-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ upstream: { primaryUrl: 'http://erp.example:99999/api' } }));
  const run = spawnSync(process.execPath, ['--experimental-strip-types', 'src/worker/main.ts'], {
    env: { ...process.env, INVENTORYBOT_CONFIG: config, REDIS_URL: 'redis://127.0.0.1:1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('upstream.primaryUrl');
  expect(run.stderr).toContain('port outside 1-65535');
});
