import { p } from '@mikro-orm/core';

// Columns most entities have, declared once.

/** When the row was created; set by the ORM on insert. */
export const createdAtColumn = () =>
  p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date());

/** When the row last changed; set by the ORM on insert and on every update. */
export const updatedAtColumn = () =>
  p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date())
    .onUpdate(() => new Date());
