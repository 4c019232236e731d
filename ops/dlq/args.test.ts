import { parseDlqArgs } from './args';
import { UsageError } from './errors';

describe('parseDlqArgs', () => {
  it('reads each command with its options', () => {
    expect(parseDlqArgs(['list'])).toEqual({ command: { name: 'list', queue: undefined, includeResolved: false }, json: false });
    expect(parseDlqArgs(['list', '--queue', 'cart', '--all', '--json'])).toEqual({
      command: { name: 'list', queue: 'cart', includeResolved: true },
      json: true,
    });
    expect(parseDlqArgs(['show', 'cart-12'])).toEqual({ command: { name: 'show', id: 'cart-12' }, json: false });
    expect(parseDlqArgs(['replay', 'cart-12', '--force']).command).toEqual({ name: 'replay', select: { id: 'cart-12' }, force: true });
    expect(parseDlqArgs(['replay', '--all', '--queue', 'order']).command).toEqual({
      name: 'replay',
      select: { queue: 'order' },
      force: false,
    });
    expect(parseDlqArgs(['purge', '--queue', 'cart']).command).toEqual({ name: 'purge', queue: 'cart' });
    expect(parseDlqArgs(['--help']).command).toEqual({ name: 'help' });
  });

  it.each([
    [[], 'missing command: one of list, show, replay, purge'],
    [['explode'], 'unknown command explode'],
    [['list', '--colour'], "Unknown option '--colour'"],
    [['list', 'extra'], 'list: unexpected argument extra'],
    [['list', '--force'], 'list does not take --force'],
    [['show'], 'show needs a dead letter id'],
    [['show', 'cart-1', '--queue', 'cart'], 'show does not take --queue'],
    [['replay'], 'replay needs a dead letter id, or --all [--queue q]'],
    [['replay', '--queue', 'cart'], 'replay needs a dead letter id, or --all [--queue q]'],
    [['replay', 'cart-1', '--all'], 'replay takes either an id or --all [--queue q], not both'],
    [['purge', '--all'], 'purge does not take --all'],
    [['list', '--queue'], "Option '--queue <value>' argument missing"],
  ])('refuses %j with a UsageError saying what is wrong', (argv, message) => {
    expect(() => parseDlqArgs(argv)).toThrow(UsageError);
    expect(() => parseDlqArgs(argv)).toThrow(message);
  });
});
