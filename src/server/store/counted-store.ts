/**
 * A store that counts its storage failures (the server's
 * `tollgate_server_store_errors_total`): every call that fails with
 * 'storage-unavailable', whichever store is underneath. The readiness probe
 * (`ping`) is not counted: it reports its failures itself.
 */
import { isStorageFailure } from '../../store/storage-error.js';
import type { ServerStore } from './server-store.js';

/** Wraps `store`; `onFailure` is told of each failed call, with the method's name. */
export function countStorageFailures(store: ServerStore, onFailure: (method: string) => void): ServerStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'ping' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = method.apply(target, args);
        } catch (error) {
          if (isStorageFailure(error)) onFailure(property);
          throw error;
        }
        if (result instanceof Promise) {
          // A side branch: the caller still gets (and handles) the original rejection.
          result.catch((error: unknown) => {
            if (isStorageFailure(error)) onFailure(property);
          });
        }
        return result;
      };
    },
  });
}
