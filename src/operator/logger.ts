// JSON logs, one object per line, so log pipelines need no parsing rules. Every string value passes
// the one redaction point (#14): no Secret value reaches a log line, at any level.
import { redact } from '../contracts/redaction.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  level: LogLevel = 'info',
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  const log =
    (lvl: LogLevel) =>
    (msg: string, fields: LogFields = {}) => {
      if (RANK[lvl] < RANK[level]) return;
      write(
        JSON.stringify(
          { timestamp: new Date().toISOString(), level: lvl, msg, ...base, ...fields },
          errorsAsText,
        ),
      );
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

function errorsAsText(_key: string, value: unknown): unknown {
  if (value instanceof Error) return redact(value.message);
  return typeof value === 'string' ? redact(value) : value;
}
