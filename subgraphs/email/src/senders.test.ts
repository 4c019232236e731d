import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { databaseSender, senderFor } from './senders';

// nodemailer cannot receive: a minimal SMTP server that takes every message and keeps it.
function startSmtpSink(): Promise<{ server: Server; port: number; messages: { from: string; to: string[]; data: string }[] }> {
  const messages: { from: string; to: string[]; data: string }[] = [];
  const server = createServer((socket: Socket) => {
    let buffer = '';
    let inData = false;
    let current = { from: '', to: [] as string[], data: '' };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink ready');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          messages.push(current);
          current = { from: '', to: [], data: '' };
          inData = false;
          reply('250 queued');
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'MAIL') current.from = line;
        if (verb === 'RCPT') current.to.push(line);
        if (verb === 'DATA') inData = true;
        reply(verb === 'DATA' ? '354 go on' : verb === 'QUIT' ? '221 bye' : '250 ok');
        if (verb === 'QUIT') socket.end();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, messages })),
  );
}

describe('email senders', () => {
  it('writes to the database unless SMTP_URL is set', () => {
    expect(senderFor({ smtpUrl: null, from: 'shop@example.com' })).toBe(databaseSender);
    expect(senderFor({ smtpUrl: 'smtp://127.0.0.1:2525', from: 'shop@example.com' }).name).toBe('smtp');
  });

  it('sends through an SMTP server with nodemailer, as plain text and HTML', async () => {
    const sink = await startSmtpSink();
    try {
      const sender = senderFor({ smtpUrl: `smtp://127.0.0.1:${sink.port}`, from: 'Shop <shop@example.com>' });
      await sender.send({ to: 'buyer@example.com', subject: 'Your order is confirmed', text: 'Thanks', html: '<p>Thanks</p>' });
      expect(sink.messages).toHaveLength(1);
      const [message] = sink.messages;
      expect(message.from).toContain('<shop@example.com>');
      expect(message.to).toEqual([expect.stringContaining('<buyer@example.com>')]);
      expect(message.data).toContain('Subject: Your order is confirmed');
      expect(message.data).toContain('text/plain');
      expect(message.data).toContain('text/html');
    } finally {
      await new Promise((resolve) => sink.server.close(resolve));
    }
  });

  it('fails when the SMTP server cannot be reached, so the email is tried again', async () => {
    const closed = await startSmtpSink();
    await new Promise((resolve) => closed.server.close(resolve));
    const sender = senderFor({ smtpUrl: `smtp://127.0.0.1:${closed.port}`, from: 'shop@example.com' });
    await expect(sender.send({ to: 'a@example.com', subject: 's', text: 't', html: 'h' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
