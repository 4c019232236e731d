import { join } from 'node:path';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { subscriptionsFor } from './consumers';
import { emailDeliveryWorker } from './delivery';
import { EmailMessage } from './entities/email-message.entity';
import { migrations } from './migrations';
import { resolvers } from './resolvers';
import { type EmailSender, senderFor } from './senders';
import { type EmailSettings, loadEmailSettings } from './settings';

/**
 * The email subgraph: order emails to customers and low-stock emails to the admins, from events the
 * order and inventory services already publish, sent through a pluggable sender. It publishes nothing.
 */
export const emailSubgraph = (settings: EmailSettings, sender: EmailSender): SubgraphDefinition => ({
  name: 'email',
  typeDefs: readSchema(join(__dirname, '..', 'schema.graphql')),
  resolvers,
  entities: [EmailMessage],
  migrations,
  subscriptions: subscriptionsFor(settings.adminEmail),
  workers: [emailDeliveryWorker(sender, settings.deliveryIntervalMs)],
});

export const startEmailService = (options: StartOptions = {}) => {
  const settings = loadEmailSettings(options.env);
  return startSubgraph(emailSubgraph(settings, senderFor(settings)), options);
};
