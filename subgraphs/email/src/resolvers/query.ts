import { type SubgraphContext, badUserInput, pageArgs, pageOf, requireAdmin } from '@shop/platform';
import { EmailMessage } from '../entities/email-message.entity';

export const Query = {
  /** Newest first; the cursor is the last id of the page. */
  async sentEmails(_: unknown, args: { first?: number | null; after?: string | null }, { identity, em }: SubgraphContext) {
    requireAdmin(identity);
    const { first, after } = pageArgs(args.first, args.after);
    if (after !== null && !/^\d{1,10}$/.test(after)) throw badUserInput('after is not a cursor this API gave', 'after');
    const where = after === null ? {} : { id: { $lt: Number(after) } };
    const rows = await em.find(EmailMessage, where, { orderBy: { id: 'desc' }, limit: first + 1 });
    return pageOf(rows, first, (email) => String(email.id));
  },
};
