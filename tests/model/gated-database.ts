import type { Database } from '@postdate/db/client';
import type { Actor, Interleaver } from './interleaver';

const RAW = new Set(['$queryRaw', '$executeRaw']);

/**
 * The real Prisma client as one actor sees it: every statement, COMMIT and ROLLBACK first waits for its turn. The domain code runs unchanged on it (the same transaction helper, the same SQL); only
 * when each awaited step proceeds is decided by the scheduler.
 */
export function gatedDatabase(db: Database, interleaver: Interleaver, actor: Actor): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === '$transaction') {
        // BEGIN needs no turn of its own: under READ COMMITTED it takes no snapshot and no lock, so it goes
        // with the transaction's first statement. COMMIT and ROLLBACK have one: they release the locks, and
        // the caller learns the outcome only after them.
        return async (work: (tx: unknown) => Promise<unknown>, options?: object) => {
          return target.$transaction(async (tx) => {
            let result: unknown;
            try {
              result = await work(gatedStatements(tx, interleaver, actor));
            } catch (error) {
              // A refusal (409, 404) or a failed statement: the rollback releases its locks, a step of its own.
              await interleaver.turn(actor, 'ROLLBACK');
              throw error;
            }
            await interleaver.turn(actor, 'COMMIT');
            return result;
          }, options);
        };
      }
      return gatedMember(target, property, receiver, interleaver, actor);
    },
  });
}

/** A transaction client whose statements wait for their turn (BEGIN and COMMIT are the caller's). */
function gatedStatements<T extends object>(tx: T, interleaver: Interleaver, actor: Actor): T {
  return new Proxy(tx, { get: (target, property, receiver) => gatedMember(target, property, receiver, interleaver, actor) });
}

function gatedMember(target: object, property: string | symbol, receiver: unknown, interleaver: Interleaver, actor: Actor): unknown {
  const value: unknown = Reflect.get(target, property, receiver);
  if (typeof property !== 'string') return value;
  if (RAW.has(property) && typeof value === 'function') {
    return async (...args: unknown[]) => {
      await interleaver.turn(actor, describeStatement(args[0]));
      return Reflect.apply(value, target, args);
    };
  }
  // A model delegate (tx.scheduledEmail, tx.deliveryAttempt…): each of its calls is one statement.
  if (!property.startsWith('$') && value !== null && typeof value === 'object') {
    return new Proxy(value, {
      get(delegate, method, delegateReceiver) {
        const call: unknown = Reflect.get(delegate, method, delegateReceiver);
        if (typeof call !== 'function' || typeof method !== 'string') return call;
        return async (...args: unknown[]) => {
          await interleaver.turn(actor, `${property}.${method}`);
          return Reflect.apply(call, delegate, args);
        };
      },
    });
  }
  return typeof value === 'function' ? value.bind(target) : value;
}

/** A short name for a raw statement in the printed schedule: the status it writes, or what it touches. */
export function describeStatement(query: unknown): string {
  const parts = Array.isArray(query) ? (query as readonly string[]) : ((query as { strings?: readonly string[] })?.strings ?? []);
  const text = parts.join('$').replace(/\s+/g, ' ');
  const status = /SET status = (?:CASE .*?THEN )?'(\w+)'(?:::\w+ ELSE '(\w+)')?/.exec(text);
  if (status) return `set status ${status[2] ? `${status[1]}|${status[2]}` : status[1]}`;
  if (/SET lease_until = /.test(text)) return 'renew lease';
  const insert = /INSERT INTO (\w+)/.exec(text);
  if (insert) return `insert ${insert[1]}`;
  const update = /UPDATE (\w+) (?:\w+ )?SET (\w+)/.exec(text);
  if (update) return `update ${update[1]}.${update[2]}`;
  const from = /FROM (\w+)/.exec(text)?.[1] ?? '?';
  return /FOR UPDATE SKIP LOCKED/.test(text) ? `lock ${from} (skip locked)` : /FOR UPDATE/.test(text) ? `lock ${from}` : `read ${from}`;
}
