import { type EntityManager, LockMode } from '@mikro-orm/core';
import {
  type Outbox,
  ProductCreated,
  ProductDeactivated,
  ProductPriceChanged,
  ProductReactivated,
  ProductUpdated,
  Sku,
} from '@shop/events';
import { badUserInput, conflict, formatAmount, isCurrencyCode, notFound, toMinor, validArg } from '@shop/platform';
import { z } from 'zod';
import { Product } from './entities/product.entity';

// The catalogue's operations: each changes a product and writes its event to the outbox in one
// transaction, under a row lock so the product's event sequence has no gaps and no ties.

const Name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const Description = z.string().max(2000, 'must be at most 2000 characters').nullable();

export interface NewProduct {
  sku: string;
  name: string;
  description?: string | null;
  price: string;
  currency: string;
}

function validPrice(price: string, currency: string, argument: string): string {
  if (!isCurrencyCode(currency))
    throw badUserInput(`currency must be a three-letter ISO 4217 code such as "GBP", not "${currency}"`, 'currency');
  if (/^\s*-/.test(price)) throw badUserInput(`${argument} must not be negative`, argument);
  try {
    return formatAmount(price, currency);
  } catch (err) {
    throw badUserInput(`${argument}: ${(err as Error).message}`, argument);
  }
}

const stateOf = (product: Product) => ({
  sku: product.sku,
  name: product.name,
  description: product.description ?? null,
  price: formatAmount(product.price, product.currency),
  currency: product.currency,
});

export async function createProduct(em: EntityManager, outbox: Outbox, input: NewProduct): Promise<Product> {
  const sku = validArg(Sku, input.sku, 'input.sku');
  const name = validArg(Name, input.name, 'input.name');
  const description = validArg(Description, input.description ?? null, 'input.description');
  const price = validPrice(input.price, input.currency, 'input.price');
  return em.transactional(async (tx) => {
    if (await tx.findOne(Product, { sku })) throw conflict(`a product with SKU ${sku} already exists`);
    const product = tx.create(Product, { sku, name, description, price, currency: input.currency, active: true, version: 1 });
    outbox.publish(tx, ProductCreated, stateOf(product), { sequence: product.version });
    return product;
  });
}

async function change(em: EntityManager, sku: string, apply: (tx: EntityManager, product: Product) => boolean): Promise<Product> {
  return em.transactional(async (tx) => {
    const product = await tx.findOne(Product, { sku }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!product) throw notFound(`product ${sku}`);
    // `apply` says whether anything changed; an unchanged product publishes nothing.
    if (apply(tx, product)) product.version += 1;
    return product;
  });
}

export function updateProduct(
  em: EntityManager,
  outbox: Outbox,
  sku: string,
  input: { name?: string | null; description?: string | null },
) {
  const name = input.name == null ? undefined : validArg(Name, input.name, 'input.name');
  const description = input.description === undefined ? undefined : validArg(Description, input.description, 'input.description');
  return change(em, sku, (tx, product) => {
    const next = { name: name ?? product.name, description: description === undefined ? (product.description ?? null) : description };
    if (next.name === product.name && next.description === (product.description ?? null)) return false;
    Object.assign(product, next);
    outbox.publish(tx, ProductUpdated, stateOf(product), { sequence: product.version + 1 });
    return true;
  });
}

export async function changePrice(em: EntityManager, outbox: Outbox, sku: string, price: string): Promise<Product> {
  const existing = await em.findOne(Product, { sku });
  if (!existing) throw notFound(`product ${sku}`);
  const newPrice = validPrice(price, existing.currency, 'price');
  return change(em, sku, (tx, product) => {
    const oldPrice = formatAmount(product.price, product.currency);
    if (toMinor(oldPrice, product.currency) === toMinor(newPrice, product.currency)) return false;
    product.price = newPrice;
    outbox.publish(tx, ProductPriceChanged, { sku, oldPrice, newPrice, currency: product.currency }, { sequence: product.version + 1 });
    return true;
  });
}

export function setActive(em: EntityManager, outbox: Outbox, sku: string, active: boolean): Promise<Product> {
  return change(em, sku, (tx, product) => {
    if (product.active === active) return false;
    product.active = active;
    outbox.publish(tx, active ? ProductReactivated : ProductDeactivated, { sku }, { sequence: product.version + 1 });
    return true;
  });
}
