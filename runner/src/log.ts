// Structured logs with pino: one JSON line per event on stdout, or readable lines when stdout is a terminal.
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. task_id). */
  child(fields: LogFields): Logger;
}

/** Errors anywhere in the fields keep their message and stack (pino serialises `err` itself). */
function withErrors(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const [k, v] of Object.entries(fields))
    if (v instanceof Error && k !== 'err') (out ??= { ...fields })[k] = pino.stdSerializers.err(v);
  return out ?? fields;
}

function wrap(p: Pino): Logger {
  const at = (level: LogLevel) => (msg: string, fields?: LogFields) =>
    fields ? p[level](withErrors(fields), msg) : p[level](msg);
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => lazyChild(p, fields),
  };
}

/**
 * A child made when it first writes a line at an enabled level: every task gets one, and with warnings only (or a task
 * that logs nothing at its level) it costs nothing.
 */
function lazyChild(p: Pino, fields: LogFields): Logger {
  let made: Logger | undefined;
  const get = () => (made ??= wrap(p.child(withErrors(fields))));
  const at = (level: LogLevel) => (msg: string, more?: LogFields) => {
    if (p.isLevelEnabled(level)) get()[level](msg, more);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => get().child(f) };
}

function destination(write?: (line: string) => void): DestinationStream {
  if (write) return { write };
  // A person is watching: colours and local times. Pipes, files and journald get JSON.
  if (process.stdout.isTTY) return pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' });
  return pino.destination({ dest: 1, sync: true });
}

/**
 * `write` receives each line with its newline (tests); by default lines go to stdout. A task's lines carry `task_id`
 * and `request_id`, e.g. `{"level":"info","time":"…","runner":"lab","task_id":"tsk_…","request_id":"…","msg":"task accepted"}`.
 */
export function createLogger(level: LogLevel = 'info', base: LogFields = {}, write?: (line: string) => void): Logger {
  const root = pino(
    {
      level,
      base: null, // no pid/hostname on every line: the service manager adds those
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination(write),
  );
  return wrap(Object.keys(base).length ? root.child(withErrors(base)) : root);
}

/** Passes every line on to `log`, and hands warnings and errors to `onProblem` too (the status file keeps the last few). */
export function tapProblems(
  log: Logger,
  onProblem: (level: 'warn' | 'error', msg: string, fields: LogFields) => void,
  bound: LogFields = {},
): Logger {
  return {
    debug: (m, f) => log.debug(m, f),
    info: (m, f) => log.info(m, f),
    warn: (m, f) => {
      log.warn(m, f);
      onProblem('warn', m, { ...bound, ...f });
    },
    error: (m, f) => {
      log.error(m, f);
      onProblem('error', m, { ...bound, ...f });
    },
    child: (fields) => tapProblems(log.child(fields), onProblem, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests that do not care about logs). */
export const silentLogger: Logger = createLogger('error', {}, () => {});
