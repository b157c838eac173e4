// The one logger (#16), on winston, for the operator, the worker, the simulator and the CLI: lines of the
// one schema (log-line.ts), child loggers carrying context fields, and every string value passing the
// one redaction (redaction.ts) at every level, so no secret reaches a line.
import winston from 'winston';
import Transport from 'winston-transport';
import { formatLogLine, LOG_LEVELS, type LogFields, type LogLevel } from './log-line.ts';
import { redact, rememberSecretValue } from './redaction.ts';

export type { LogFields, LogLevel } from './log-line.ts';

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger adding `fields` to every line (a bot, an upstream, a request). */
  child(fields: LogFields): Logger;
}

/** Receives each finished line (no newline): a test's array, the worker's rotating file. */
export type LogSink = (line: string) => void;

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; default: standard output. */
  sinks?: readonly LogSink[];
  /** Fields on every line. */
  base?: LogFields;
  now?: () => Date;
  /** Values never written (passwords, tokens): remembered by the one redaction. */
  secrets?: readonly string[];
}

// winston's own fields on the object it passes to formats and transports (triple-beam's symbols).
const MESSAGE = Symbol.for('message');
const LINE_FIELDS = Symbol('inventorybot.fields');
const LINE_TIME = Symbol('inventorybot.time');

interface LineInfo extends winston.Logform.TransformableInfo {
  [LINE_FIELDS]: LogFields;
  [LINE_TIME]: Date;
  [MESSAGE]?: string;
}

const schemaFormat = winston.format((info) => {
  const line = info as LineInfo;
  line[MESSAGE] = formatLogLine(
    line.level as LogLevel,
    String(line.message),
    line[LINE_FIELDS],
    line[LINE_TIME],
    redact,
  );
  return line;
});

class SinkTransport extends Transport {
  readonly #sink: LogSink;
  constructor(sink: LogSink) {
    super();
    this.#sink = sink;
  }
  override log(info: LineInfo, done: () => void): void {
    this.#sink(info[MESSAGE] as string);
    done();
  }
}

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

// winston ranks levels by number, most severe first.
const LEVEL_RANKS = Object.fromEntries(LOG_LEVELS.map((level, i) => [level, LOG_LEVELS.length - 1 - i]));

export function createLogger(options: LoggerOptions): Logger {
  for (const secret of options.secrets ?? []) rememberSecretValue(secret);
  const now = options.now ?? (() => new Date());
  const winstonLogger = winston.createLogger({
    level: options.level,
    levels: LEVEL_RANKS,
    format: schemaFormat(),
    transports: (options.sinks ?? [stdoutSink]).map((sink) => new SinkTransport(sink)),
  });
  const threshold = LEVEL_RANKS[options.level] as number;
  const off = () => undefined;
  const make = (base: LogFields): Logger => {
    // No copy of the fields when there is no base to merge (#12: the worker's line per batch).
    const withBase = Object.keys(base).length === 0 ? undefined : base;
    const log = (level: LogLevel) =>
      // A level that is off costs one call, no object (#12: per-item debug lines on the hot path).
      (LEVEL_RANKS[level] as number) > threshold
        ? off
        : (event: string, fields: LogFields = {}) => {
            const info = {
              level,
              message: event,
              [LINE_FIELDS]: withBase ? { ...withBase, ...fields } : fields,
              [LINE_TIME]: now(),
            };
            winstonLogger.log(info);
          };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.base ?? {});
}
