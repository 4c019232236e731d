import type { ProfileName } from './scenarios';

export interface FaultSuiteArguments {
  profile: ProfileName;
  /** Scenario names to run, in the suite's order; all of them when not given. */
  only?: string[];
}

const USAGE = 'usage: npm run test:faults -- [--profile short|full] [--only name,name,...]';

/** Reads `--profile` (or FAULTS_PROFILE; default full) and `--only`; throws a message with the usage on anything else. */
export function parseArguments(argv: string[], env: NodeJS.ProcessEnv, scenarioNames: string[]): FaultSuiteArguments {
  let profile = env.FAULTS_PROFILE ?? 'full';
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const given = inline ?? argv[++i];
      if (given === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return given;
    };
    if (flag === '--profile') profile = value();
    else if (flag === '--only')
      only = value()
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
    else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  if (profile !== 'short' && profile !== 'full') throw new Error(`unknown profile ${profile}: short or full\n${USAGE}`);
  const unknown = only?.filter((name) => !scenarioNames.includes(name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}: one of ${scenarioNames.join(', ')}\n${USAGE}`);
  if (only?.length === 0) throw new Error(`--only names no scenario\n${USAGE}`);
  return { profile, only };
}
