import { parseArguments } from './arguments';

const names = ['kill', 'rabbitmq', 'duplicates'];

describe('fault suite arguments', () => {
  it('runs every scenario of the full profile by default', () => {
    expect(parseArguments([], {}, names)).toEqual({ profile: 'full', only: undefined });
  });

  it('takes the profile from FAULTS_PROFILE, and --profile over it', () => {
    expect(parseArguments([], { FAULTS_PROFILE: 'short' }, names).profile).toBe('short');
    expect(parseArguments(['--profile', 'full'], { FAULTS_PROFILE: 'short' }, names).profile).toBe('full');
    expect(parseArguments(['--profile=short'], {}, names).profile).toBe('short');
  });

  it('selects scenarios by name', () => {
    expect(parseArguments(['--only', 'kill, duplicates'], {}, names).only).toEqual(['kill', 'duplicates']);
  });

  it('refuses what it does not know, with the usage', () => {
    expect(() => parseArguments(['--only', 'kill,flood'], {}, names)).toThrow(
      /unknown scenario flood: one of kill, rabbitmq, duplicates\nusage/,
    );
    expect(() => parseArguments(['--profile', 'long'], {}, names)).toThrow(/unknown profile long/);
    expect(() => parseArguments(['--fast'], {}, names)).toThrow(/unknown argument --fast/);
    expect(() => parseArguments(['--only'], {}, names)).toThrow(/--only needs a value/);
    expect(() => parseArguments(['--only', ','], {}, names)).toThrow(/names no scenario/);
  });
});
