import { MessageStream } from './message-stream';

describe('MessageStream', () => {
  it('hands pushed messages to the reader in order, then the end after what was queued', async () => {
    const onEnd = jest.fn();
    const stream = new MessageStream<number>(onEnd);
    stream.push(1);
    const pending = stream.next();
    stream.push(2);
    stream.end();
    expect(await pending).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('ends at once when the reader leaves, even while it waits, and calls onEnd once', async () => {
    const onEnd = jest.fn();
    const stream = new MessageStream<number>(onEnd);
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    stream.push(3);
    stream.end();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('is what for-await reads', async () => {
    const stream = new MessageStream<string>(() => undefined);
    stream.push('a');
    stream.push('b');
    stream.end();
    const read: string[] = [];
    for await (const message of stream) read.push(message);
    expect(read).toEqual(['a', 'b']);
  });
});
