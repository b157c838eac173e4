// Reads the config file named by INVENTORYBOT_CONFIG (if any) and builds the worker configuration.
import { readFileSync } from 'node:fs';
import { WORKER_ENV } from '../api/names.ts';
import { buildWorkerConfig, ConfigError, type WorkerConfig } from './config.ts';

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const path = env[WORKER_ENV.config];
  let content: unknown;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`${WORKER_ENV.config}: cannot read ${path}: ${(error as Error).message}`);
    }
    try {
      content = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`${WORKER_ENV.config}: ${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return buildWorkerConfig(content, env);
}
