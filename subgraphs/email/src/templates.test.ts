import { lowStock, orderConfirmation, orderShipped } from './templates';

describe('email templates', () => {
  const order = {
    orderId: '0a1b2c3d-0000-4000-8000-000000000001',
    checkoutId: '0a1b2c3d-0000-4000-8000-000000000002',
    customerId: 'c-1',
    email: 'buyer@example.com',
    lines: [
      { sku: 'LAMP-1', quantity: 2, unitPrice: '10.00' },
      { sku: 'MUG-<b>', quantity: 1, unitPrice: '4.50' },
    ],
    total: '24.50',
    currency: 'GBP',
    paymentRef: 'pay_1',
  };

  it('renders an order confirmation as text and as HTML', () => {
    const email = orderConfirmation(order);
    expect(email.subject).toBe('Your order 0A1B2C3D is confirmed');
    expect(email.text).toBe(
      'Thank you for your order. We have received your payment (pay_1).\n\n' +
        '2 x  LAMP-1  10.00 GBP\n1 x  MUG-<b>  4.50 GBP\n\n' +
        'Total: 24.50 GBP\n',
    );
    expect(email.html).toContain('<tr><td>2 x</td><td>LAMP-1</td><td>10.00 GBP</td></tr>');
  });

  it('escapes every value in the HTML', () => {
    expect(orderConfirmation(order).html).toContain('<td>MUG-&lt;b&gt;</td>');
    expect(orderShipped({ orderId: order.orderId, customerId: 'c-1', email: null, trackingNumber: '"1Z"&<x>' }).html).toContain(
      '<p>Tracking number: &quot;1Z&quot;&amp;&lt;x&gt;</p>',
    );
  });

  it('tells the admins which SKU runs low', () => {
    expect(lowStock({ sku: 'LAMP-1', currentQuantity: 2, threshold: 5 })).toMatchObject({
      subject: 'Low stock: LAMP-1',
      text: expect.stringContaining('LAMP-1 is down to 2 available, below its threshold of 5.'),
    });
  });
});
