import { explainUnreachable } from './preflight';

describe('explainUnreachable', () => {
  it('says which service is unreachable, where it looked, and what to do, including the embedded start', () => {
    const text = explainUnreachable([
      { what: 'RabbitMQ', where: 'amqp://guest:***@127.0.0.1:5672', ok: false, error: 'connect ECONNREFUSED 127.0.0.1:5672' },
    ]);
    expect(text).toContain('RabbitMQ is not reachable at amqp://guest:***@127.0.0.1:5672 (connect ECONNREFUSED 127.0.0.1:5672)');
    expect(text).not.toContain('PostgreSQL is not reachable');
    expect(text).toContain('docker compose up -d postgres rabbitmq');
    expect(text).toContain('npm run start:embedded');
  });
});
