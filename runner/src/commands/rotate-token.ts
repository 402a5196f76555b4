// `simpul-runner rotate-token`: swap the runner's token for a new one; a runner already running picks it up by itself.
import { loadConfig } from '../config.ts';
import { HubApi } from '../connection/hub-api.ts';
import { ConfigError, EXIT, type ExitCode, HubError, errorMessage } from '../errors.ts';
import { readState, writeState } from '../state.ts';
import { trustCaFile } from '../tls.ts';
import { CONFIG_FLAGS, overridesOf, parseFlags } from './flags.ts';

export const ROTATE_HELP = `simpul-runner rotate-token: replace this runner's token with a new one.

Usage:
  simpul-runner rotate-token --config FILE [--state FILE] [--ca-file FILE]

Asks the hub for a new token with the current one (kept in the state file) and writes the new one there (mode 0600).
The old token keeps working for a short overlap (5 minutes unless the hub says otherwise), so a runner that is running
with this config (even in the middle of a task) reads the new token from the state file and carries on without a stop.

Exit codes: 0 rotated, 2 bad flags or no identity yet, 3 the hub refused the current token (revoked?), 1 anything else.

Example:
  simpul-runner rotate-token --config runner.yaml
`;

export async function rotateTokenCommand(
  argv: string[],
  out = (s: string) => process.stdout.write(s),
): Promise<ExitCode> {
  const values = parseFlags('rotate-token', argv, { ...CONFIG_FLAGS, 'ca-file': { type: 'string' } });
  if (values.help) {
    out(ROTATE_HELP);
    return EXIT.ok;
  }
  const config = loadConfig({
    configPath: values.config,
    overrides: { ...overridesOf(values), ca_file: values['ca-file'] },
  });
  if (config.ca_file) trustCaFile(config.ca_file);
  const state = readState(config.state);
  if (!state)
    throw new ConfigError(
      `no runner identity in ${config.state} yet: start the runner once to register it, then rotate its token`,
    );
  const api = new HubApi(state.hub, state.token);
  try {
    const rotated = await api.rotateToken(state.runner_id);
    writeState(config.state, { ...state, token: rotated.token });
    out(`rotated the token of runner ${rotated.runner_id} at ${state.hub}; written to ${config.state}\n`);
    out(
      `the old token works until ${rotated.previous_valid_until}: a running runner with this config switches to the new one by itself\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof HubError && (e.status === 401 || e.status === 403)) {
      process.stderr.write(`simpul-runner: the hub refused to rotate: ${e.message}\n`);
      return EXIT.auth;
    }
    process.stderr.write(`simpul-runner: rotate-token failed: ${errorMessage(e)}\n`);
    return EXIT.failure;
  }
}
