import { ConfigError } from '@shop/platform';
import { USAGE, parseDlqArgs } from './args';
import { type RunOptions, runCommand } from './commands';
import { DlqError, UsageError } from './errors';
import { formatResult } from './format';
import { DlqSession } from './session';
import { loadDlqConfig } from './targets';

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * The dead-letter tool from its command line to its exit code: 0 done, 1 the command failed,
 * 2 the command line is wrong. Results go to stdout (one JSON document with --json), errors to stderr.
 */
export async function runDlq(argv: string[], env: NodeJS.ProcessEnv, output: Output, options: RunOptions = {}): Promise<number> {
  let session: DlqSession | undefined;
  try {
    const { command, json } = parseDlqArgs(argv);
    if (command.name === 'help') {
      output.stdout(USAGE);
      return 0;
    }
    session = await DlqSession.open(loadDlqConfig(env));
    const result = await runCommand(session, command, options);
    output.stdout(json ? JSON.stringify(result, null, 2) : formatResult(result));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      output.stderr(`dlq: ${err.message}\n(npm run dlq -- --help shows the commands)`);
      return 2;
    }
    output.stderr(
      `dlq: ${err instanceof DlqError || err instanceof ConfigError ? err.message : `unexpected error: ${(err as Error).message}`}`,
    );
    return 1;
  } finally {
    await session?.close();
  }
}
