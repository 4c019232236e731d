// Every operation the app sends, with the shapes it reads back (names as in the public contract, api.graphql).

export interface Money {
  amount: string;
  currency: string;
}

export interface StockLevel {
  available: number;
  reserved: number;
  sold: number;
  lowStockThreshold: number;
}

export interface Product {
  sku: string;
  name: string;
  description: string | null;
  price: Money;
  active: boolean;
  stock: StockLevel | null;
}

export interface CartLine {
  sku: string;
  quantity: number;
  unitPrice: Money;
  product: { name: string; stock: { available: number } | null } | null;
}

export interface Cart {
  lines: CartLine[];
  total: Money;
  updatedAt: string;
}

export type CheckoutStatus = 'RESERVING_STOCK' | 'PROCESSING_PAYMENT' | 'CREATING_ORDER' | 'COMPLETED' | 'FAILED';
export type OrderStatus = 'PAID' | 'SHIPPED' | 'FAILED' | 'REFUNDED';
export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice: Money;
  product: { name: string } | null;
}

export interface Payment {
  status: PaymentStatus;
  failureReason: string | null;
}

export interface Checkout {
  id: string;
  status: CheckoutStatus;
  failureReason: string | null;
  total: Money;
  lines: OrderLine[];
  history: { status: CheckoutStatus; at: string; sequence: number }[];
  payment: Payment | null;
  order: { id: string; status: OrderStatus } | null;
  createdAt: string;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  total: Money;
  lines: OrderLine[];
  trackingNumber: string | null;
  createdAt: string;
  updatedAt: string;
  payment: Payment | null;
}

const PRODUCT_FIELDS = 'sku name description price { amount currency } active stock { available reserved sold lowStockThreshold }';
const CART_FIELDS =
  'lines { sku quantity unitPrice { amount currency } product { name stock { available } } } total { amount currency } updatedAt';
const LINE_FIELDS = 'sku quantity unitPrice { amount currency } product { name }';
const CHECKOUT_FIELDS = `id status failureReason total { amount currency } lines { ${LINE_FIELDS} } history { status at sequence }
  payment { status failureReason } order { id status } createdAt`;
const ORDER_FIELDS = `id customerId status total { amount currency } lines { ${LINE_FIELDS} } trackingNumber createdAt updatedAt
  payment { status failureReason }`;

export const PRODUCTS = `query Products($search: String, $includeInactive: Boolean) {
  products(search: $search, includeInactive: $includeInactive, first: 50) { items { ${PRODUCT_FIELDS} } }
}`;
export const PRODUCT_CHANGED = `subscription ProductChanged($skus: [ID!]!) { productChanged(skus: $skus) { ${PRODUCT_FIELDS} } }`;

export const MY_CART = `query MyCart { myCart { ${CART_FIELDS} } }`;
export const ADD_TO_CART = `mutation AddToCart($sku: ID!, $quantity: Int!) { addToCart(sku: $sku, quantity: $quantity) { ${CART_FIELDS} } }`;
export const UPDATE_CART_LINE = `mutation UpdateCartLine($sku: ID!, $quantity: Int!) { updateCartLine(sku: $sku, quantity: $quantity) { ${CART_FIELDS} } }`;
export const REMOVE_FROM_CART = `mutation RemoveFromCart($sku: ID!) { removeFromCart(sku: $sku) { ${CART_FIELDS} } }`;

export const START_CHECKOUT = `mutation StartCheckout($input: CheckoutInput!) { startCheckout(input: $input) { id status } }`;
export const CHECKOUT = `query Checkout($id: ID!) { checkout(id: $id) { ${CHECKOUT_FIELDS} } }`;
export const CHECKOUT_STATUS_CHANGED = `subscription CheckoutStatusChanged($id: ID!) { checkoutStatusChanged(checkoutId: $id) { ${CHECKOUT_FIELDS} } }`;

export const MY_ORDERS = `query MyOrders { myOrders(first: 50) { items { ${ORDER_FIELDS} } } }`;
export const ORDER_STATUS_CHANGED = `subscription OrderStatusChanged { orderStatusChanged { ${ORDER_FIELDS} } }`;

export const ADMIN_ORDERS = `query AdminOrders($status: OrderStatus) { orders(status: $status, first: 50) { items { ${ORDER_FIELDS} } } }`;
export const CREATE_PRODUCT = `mutation CreateProduct($input: CreateProductInput!) { createProduct(input: $input) { ${PRODUCT_FIELDS} } }`;
export const CHANGE_PRICE = `mutation ChangePrice($sku: ID!, $price: Decimal!) { changePrice(sku: $sku, price: $price) { ${PRODUCT_FIELDS} } }`;
export const SET_STOCK = `mutation SetStock($sku: ID!, $available: Int!) { setStock(sku: $sku, available: $available) { available } }`;
export const DEACTIVATE_PRODUCT = `mutation Deactivate($sku: ID!) { deactivateProduct(sku: $sku) { sku active } }`;
export const REACTIVATE_PRODUCT = `mutation Reactivate($sku: ID!) { reactivateProduct(sku: $sku) { sku active } }`;
export const SHIP_ORDER = `mutation ShipOrder($id: ID!, $trackingNumber: String!) { shipOrder(id: $id, trackingNumber: $trackingNumber) { id status } }`;
export const REFUND_ORDER = `mutation RefundOrder($id: ID!) { refundOrder(id: $id) { id status } }`;
