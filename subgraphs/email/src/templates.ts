import type { DataOf, LowStockAlert, OrderCreated, OrderRefunded, OrderShipped } from '@shop/events';

// Each email as plain text and as simple HTML, from the event that causes it. Pure functions.

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** Short enough for a subject line, unique enough to find the order. */
const orderNumber = (orderId: string) => orderId.slice(0, 8).toUpperCase();

/** Paragraphs (and one optional table) as text and as HTML, with every value escaped in the HTML. */
function compose(subject: string, paragraphs: string[], table?: { head: string[]; rows: string[][] }): RenderedEmail {
  const textTable = table ? [table.rows.map((row) => row.join('  ')).join('\n')] : [];
  const htmlTable = table
    ? [
        '<table cellpadding="4">',
        `<tr>${table.head.map((h) => `<th align="left">${escapeHtml(h)}</th>`).join('')}</tr>`,
        ...table.rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`),
        '</table>',
      ]
    : [];
  const [first, ...rest] = paragraphs;
  return {
    subject,
    text: [first, ...textTable, ...rest].join('\n\n') + '\n',
    html: [
      `<!doctype html><html><body style="font-family: sans-serif">`,
      `<p>${escapeHtml(first)}</p>`,
      ...htmlTable,
      ...rest.map((p) => `<p>${escapeHtml(p)}</p>`),
      '</body></html>',
    ].join('\n'),
  };
}

export function orderConfirmation(order: DataOf<typeof OrderCreated>): RenderedEmail {
  return compose(
    `Your order ${orderNumber(order.orderId)} is confirmed`,
    [`Thank you for your order. We have received your payment (${order.paymentRef}).`, `Total: ${order.total} ${order.currency}`],
    {
      head: ['Quantity', 'SKU', 'Unit price'],
      rows: order.lines.map((line) => [`${line.quantity} x`, line.sku, `${line.unitPrice} ${order.currency}`]),
    },
  );
}

export function orderShipped(order: DataOf<typeof OrderShipped>): RenderedEmail {
  return compose(`Your order ${orderNumber(order.orderId)} has shipped`, [
    'Your order is on its way.',
    `Tracking number: ${order.trackingNumber}`,
  ]);
}

export function orderRefunded(order: DataOf<typeof OrderRefunded>): RenderedEmail {
  return compose(`Your order ${orderNumber(order.orderId)} has been refunded`, [
    `We have refunded ${order.amount} ${order.currency} to your payment method.`,
    `Refund reference: ${order.refundRef}`,
  ]);
}

export function lowStock(alert: DataOf<typeof LowStockAlert>): RenderedEmail {
  return compose(`Low stock: ${alert.sku}`, [
    `${alert.sku} is down to ${alert.currentQuantity} available, below its threshold of ${alert.threshold}.`,
    'Set its stock with setStock once more has arrived.',
  ]);
}
