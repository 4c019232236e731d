import { type SubgraphContext, requireAdmin } from '@shop/platform';
import { conversion, lowStockAlerts, periodOf, refunds, salesByDay, salesBySku } from '../reports';

// Every report is for admins only.

interface PeriodArgs {
  from?: string | null;
  to?: string | null;
}

export const Query = {
  salesByDay(_: unknown, args: PeriodArgs, { identity, em }: SubgraphContext) {
    requireAdmin(identity);
    return salesByDay(em, periodOf(args.from, args.to));
  },

  salesBySku(_: unknown, args: PeriodArgs & { first?: number | null }, { identity, em }: SubgraphContext) {
    requireAdmin(identity);
    return salesBySku(em, periodOf(args.from, args.to), args.first);
  },

  conversion(_: unknown, args: PeriodArgs, { identity, em }: SubgraphContext) {
    requireAdmin(identity);
    return conversion(em, periodOf(args.from, args.to));
  },

  refunds(_: unknown, args: PeriodArgs, { identity, em }: SubgraphContext) {
    requireAdmin(identity);
    return refunds(em, periodOf(args.from, args.to));
  },

  lowStockAlerts(_: unknown, args: { first?: number | null }, { identity, em }: SubgraphContext) {
    requireAdmin(identity);
    return lowStockAlerts(em, args.first);
  },
};
