import nodemailer from 'nodemailer';
import type { EmailSettings } from './settings';

/** An email ready to leave. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where emails go once written. Throwing means "not sent": the delivery worker tries again later. */
export interface EmailSender {
  readonly name: string;
  send(email: OutgoingEmail): Promise<void>;
}

/** The default: the stored email is the delivered one (admins read it with `sentEmails`); nothing leaves. */
export const databaseSender: EmailSender = {
  name: 'database',
  send: async () => undefined,
};

/** Sends through an SMTP server with nodemailer. */
export function smtpSender(smtpUrl: string, from: string): EmailSender {
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    name: 'smtp',
    async send(email) {
      await transporter.sendMail({ from, ...email });
    },
  };
}

/** SMTP when SMTP_URL is set, else the database. */
export const senderFor = (settings: Pick<EmailSettings, 'smtpUrl' | 'from'>): EmailSender =>
  settings.smtpUrl ? smtpSender(settings.smtpUrl, settings.from) : databaseSender;
