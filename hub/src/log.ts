// Structured logs with pino: one JSON line per event, or readable lines when stdout is a terminal.
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Errors anywhere in the fields (not only under `err`) keep their message and stack. */
function withErrors(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(fields)) {
    // pino serialises `err` itself
    if (v instanceof Error && k !== 'err') (out ??= { ...fields })[k] = pino.stdSerializers.err(v);
  }
  return out ?? fields;
}

function wrap(p: Pino): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    if (fields) p[level](withErrors(fields), msg);
    else p[level](msg);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(withErrors(fields))),
  };
}

function destination(out?: (line: string) => void): DestinationStream {
  if (out) return { write: (chunk: string) => out(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
  // A person is watching: colours and local times. Pipes, files and journald get JSON.
  if (process.stdout.isTTY)
    return pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'svc' });
  return pino.destination({ dest: 1, sync: true });
}

/**
 * `out` receives each JSON line without its newline (tests); by default lines go to stdout.
 * Lines look like `{"level":"info","time":"2026-11-29T10:00:00.000Z","svc":"hub","request_id":"…","msg":"…"}`.
 */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  out?: (line: string) => void,
): Logger {
  const root = pino(
    {
      level,
      base: null, // no pid/hostname on every line: the service manager adds those
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination(out),
  );
  return wrap(Object.keys(base).length ? root.child(withErrors(base)) : root);
}
