import type { EmailMessage } from '../entities/email-message.entity';

export const SentEmail = {
  to: (email: EmailMessage) => email.recipient,
  failureReason: (email: EmailMessage) => (email.status === 'FAILED' ? email.lastError : null),
};
