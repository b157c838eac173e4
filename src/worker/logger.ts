// JSON logs, one object per line: {timestamp, level, event, ...fields}; secrets redacted (issue 11).
import { redactText } from '../contracts/redaction.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function formatLogLine(level: LogLevel, event: string, fields: LogFields, now: Date): string {
  return JSON.stringify({ timestamp: now.toISOString(), level, event, ...fields });
}

export function createLogger(options: {
  level: LogLevel;
  sinks: LogSink[];
  now?: () => Date;
  /** Strings never written (passwords, tokens); URL passwords are redacted anyway (redact.ts). */
  secrets?: readonly string[];
}): Logger {
  const secrets = options.secrets ?? [];
  const threshold = LOG_LEVELS.indexOf(options.level);
  const now = options.now ?? (() => new Date());
  const log =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const line = redactText(formatLogLine(level, event, fields, now()), secrets);
      for (const sink of options.sinks) sink(line);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};
