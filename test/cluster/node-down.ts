// `make node-down` (#10): removes real nodes started by node-up.ts (all of them, or the ids given).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { removeRealNode, type RealNodeInfo } from './real-node.ts';

const stateDir = join(process.env.INVENTORYBOT_CACHE ?? join(homedir(), '.cache', 'inventorybot'), 'node');
const wanted = process.argv.slice(2);
const files = existsSync(stateDir) ? readdirSync(stateDir).filter((f) => f.endsWith('.json')) : [];
let removed = 0;
for (const file of files) {
  const info = JSON.parse(readFileSync(join(stateDir, file), 'utf8')) as RealNodeInfo;
  if (wanted.length > 0 && !wanted.includes(info.id)) continue;
  await removeRealNode(info);
  rmSync(join(stateDir, file));
  console.log(`removed real node ${info.nodeName} (netns ${info.netns}, ${info.workDir})`);
  removed++;
}
if (removed === 0) console.log('no real node running');
