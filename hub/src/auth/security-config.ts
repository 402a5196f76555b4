// Security settings (TLS, token overlap, rate limits): part of the hub's one environment schema in ../config.ts.
import path from 'node:path';
import { z } from 'zod';

export const SECURITY_ENV = {
  SIMPUL_TLS_CERT: z.string().min(1).optional(), // PEM certificate (chain) file: the hub serves HTTPS and WSS on its port
  SIMPUL_TLS_KEY: z.string().min(1).optional(), // PEM private key file for SIMPUL_TLS_CERT
  SIMPUL_TOKEN_OVERLAP_S: z.coerce.number().min(0).max(86_400).default(300), // a rotated runner token keeps working this long
  SIMPUL_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5), // failed logins per account before it is locked out (with backoff)
  SIMPUL_LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(20), // failed logins per client address before it is locked out
  SIMPUL_LOGIN_LOCKOUT_MAX_S: z.coerce.number().int().min(1).default(900), // the longest lockout; each further failure doubles it up to this
  SIMPUL_TASKS_PER_MINUTE: z.coerce.number().int().min(0).default(600), // tasks an analyst may create per minute (a batch counts each task); 0: no limit
  SIMPUL_LONG_POLLS_PER_RUNNER: z.coerce.number().int().min(1).default(4), // concurrent long-polls one runner may hold open
  SIMPUL_RUNNER_EVENT_RATE_SCALE: z.coerce.number().min(0).default(1), // multiplies the per-socket limits on runner events (2: twice as many); 0: no limits
  SIMPUL_SITE_APPROVAL: z.enum(['first_use', 'auto']).default('first_use'), // first_use: a later runner serving a dataset name waits for an admin; auto: every runner is a site at once (less safe)
};

type SecurityEnv = z.infer<z.ZodObject<typeof SECURITY_ENV>>;

export interface SecurityConfig {
  tls?: { cert: string; key: string }; // absolute file paths
  tokenOverlapMs: number;
  loginMaxFailures: number;
  loginMaxFailuresPerAddress: number;
  loginLockoutMaxMs: number;
  tasksPerMinute: number; // 0: unlimited
  longPollsPerRunner: number;
  siteApproval: 'first_use' | 'auto';
  runnerEventRateScale: number; // 0: runner sockets are not rate limited
}

export function securityConfig(e: SecurityEnv, configError: (message: string) => Error): SecurityConfig {
  if ((e.SIMPUL_TLS_CERT === undefined) !== (e.SIMPUL_TLS_KEY === undefined)) {
    throw configError('SIMPUL_TLS_CERT and SIMPUL_TLS_KEY go together: set both (or neither, for plain HTTP)');
  }
  return {
    ...(e.SIMPUL_TLS_CERT && e.SIMPUL_TLS_KEY
      ? { tls: { cert: path.resolve(e.SIMPUL_TLS_CERT), key: path.resolve(e.SIMPUL_TLS_KEY) } }
      : {}),
    tokenOverlapMs: Math.round(e.SIMPUL_TOKEN_OVERLAP_S * 1000),
    loginMaxFailures: e.SIMPUL_LOGIN_MAX_FAILURES,
    loginMaxFailuresPerAddress: e.SIMPUL_LOGIN_MAX_FAILURES_PER_ADDRESS,
    loginLockoutMaxMs: e.SIMPUL_LOGIN_LOCKOUT_MAX_S * 1000,
    tasksPerMinute: e.SIMPUL_TASKS_PER_MINUTE,
    longPollsPerRunner: e.SIMPUL_LONG_POLLS_PER_RUNNER,
    siteApproval: e.SIMPUL_SITE_APPROVAL,
    runnerEventRateScale: e.SIMPUL_RUNNER_EVENT_RATE_SCALE,
  };
}
