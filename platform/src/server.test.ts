import { OpenedResources } from './server';

describe('OpenedResources', () => {
  it('closes what a failed start opened, last first, and goes on past one that fails to close', async () => {
    const closed: string[] = [];
    const opened = new OpenedResources();
    opened.add(async () => closed.push('database'));
    opened.add(async () => {
      throw new Error('broker already gone');
    });
    opened.add(async () => closed.push('http server'));
    await opened.closeAll();
    expect(closed).toEqual(['http server', 'database']);
    await opened.closeAll();
    expect(closed).toEqual(['http server', 'database']);
  });
});
