import { SequenceBuffer } from './sequence-buffer';

describe('SequenceBuffer', () => {
  it('lets messages in order go out at once', () => {
    const buffer = new SequenceBuffer<string>(1);
    expect(buffer.accept(2, 'b')).toEqual(['b']);
    expect(buffer.accept(3, 'c')).toEqual(['c']);
    expect(buffer.lastDelivered).toBe(3);
    expect(buffer.waiting).toBe(0);
  });

  it('holds a message that arrives ahead of a missing sequence until the gap fills', () => {
    const buffer = new SequenceBuffer<string>(1);
    expect(buffer.accept(4, 'd')).toEqual([]);
    expect(buffer.accept(3, 'c')).toEqual([]);
    expect(buffer.waiting).toBe(2);
    expect(buffer.accept(2, 'b')).toEqual(['b', 'c', 'd']);
    expect(buffer.waiting).toBe(0);
    expect(buffer.lastDelivered).toBe(4);
  });

  it('never lets an old or repeated message out', () => {
    const buffer = new SequenceBuffer<string>(3);
    expect(buffer.accept(2, 'old')).toEqual([]);
    expect(buffer.accept(3, 'same')).toEqual([]);
    expect(buffer.accept(5, 'early')).toEqual([]);
    expect(buffer.accept(5, 'early again')).toEqual([]);
    expect(buffer.accept(4, 'd')).toEqual(['d', 'early']);
    expect(buffer.accept(4, 'd again')).toEqual([]);
  });

  it('after a catch-up from history, drops what history covered and releases what follows', () => {
    const buffer = new SequenceBuffer<string>(1);
    buffer.accept(3, 'c');
    buffer.accept(5, 'e');
    buffer.accept(7, 'g');
    expect(buffer.advanceTo(4)).toEqual(['e']);
    expect(buffer.lastDelivered).toBe(5);
    expect(buffer.waiting).toBe(1);
    expect(buffer.advanceTo(2)).toEqual([]); // never moves back
    expect(buffer.lastDelivered).toBe(5);
  });

  it('gives up on missing sequences when flushed: everything waiting, in order', () => {
    const buffer = new SequenceBuffer<string>(1);
    buffer.accept(6, 'f');
    buffer.accept(4, 'd');
    expect(buffer.flush()).toEqual(['d', 'f']);
    expect(buffer.lastDelivered).toBe(6);
    expect(buffer.waiting).toBe(0);
    expect(buffer.flush()).toEqual([]);
    expect(buffer.accept(5, 'late')).toEqual([]);
  });
});
