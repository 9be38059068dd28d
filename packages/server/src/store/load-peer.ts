/**
 * Loads an optional peer dependency (`pg`, `mysql2`) only when a database URL asks for it, turning "module not
 * found" into an instruction the operator can follow.
 */
export async function loadPeer<T>(load: () => Promise<T>, name: string, urlKind: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : '';
    const notFound =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find (package|module)/i.test(message);
    if (notFound && message.includes(name)) {
      throw new Error(`install ${name} (npm i ${name}) to use a ${urlKind} database`, { cause: err });
    }
    throw err;
  }
}
