import type { SigningKeyStore } from './port/signing-keys.js';
import type { StoreContext } from './store-context.js';

/** The {@link SigningKeyStore} on Kysely. */
export function signingKeyStore({ db }: StoreContext): SigningKeyStore {
  return {
    listSigningKeys: () => db.selectFrom('signing_keys').selectAll().orderBy('createdAt').orderBy('kid').execute(),

    async insertSigningKey(row) {
      await db.insertInto('signing_keys').values(row).execute();
    },

    async retireSigningKey(kid, at) {
      await db
        .updateTable('signing_keys')
        .set({ retiredAt: at })
        .where('kid', '=', kid)
        .where('retiredAt', 'is', null)
        .execute();
    },
  };
}
