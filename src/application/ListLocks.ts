import { Context, Effect, Schema, Semaphore } from "effect"
import { aliasFromName } from "../domain/Alias.ts"
import type { DistributionList } from "../domain/DistributionList.ts"
import { isEmail } from "../domain/Email.ts"
import { type ListLeasesShape, thisInstanceOnly } from "./ports/ListLeases.ts"

/**
 * The key a list's changes wait on: the ways of naming one list the service makes (its alias, its address
 * in the custom domain, the name it was created with) share one. Two lists may share a key too ("it.support"
 * and "it-support"); that only makes their changes wait for each other.
 */
export const lockKey = (dlId: string, customDomain: string): string => {
  const id = dlId.trim()
  const at = id.lastIndexOf("@")
  const local = isEmail(id) && id.slice(at + 1).toLowerCase() === customDomain.toLowerCase() ? id.slice(0, at) : undefined
  if (isEmail(id) && local === undefined) return id.toLowerCase()
  // as the alias is made: from the name as written (lower-casing first changes what some letters give)
  const name = local ?? id
  return aliasFromName(name) || name.toLowerCase()
}

/** The keys the running change holds; none outside a change. */
export const HeldListKeys: Context.Reference<ReadonlyArray<string> | undefined> = Context.Reference<
  ReadonlyArray<string> | undefined
>("distribution-list-api/application/ListLocks/HeldListKeys", { defaultValue: () => undefined })

/** The list read is held under another key than its alias gives (an old address, its identity): take that one. */
export class ListLockMoved extends Schema.TaggedError<ListLockMoved>()("ListLockMoved", {
  key: Schema.String
}) {}

/**
 * Fails with `ListLockMoved` unless the running change holds the key of the list it read, so that it can
 * start again under that key before it changes anything. Every change to a list holds its alias's key (a
 * rename holds the new one too): two ways of naming one list then wait for each other however they spell it.
 */
export const confirmHeld = (customDomain: string, dl: DistributionList): Effect.Effect<void, ListLockMoved> =>
  Effect.gen(function*() {
    const held = yield* HeldListKeys
    // a list without an alias (made outside Exchange's rules) by its address: not one key for all such lists
    const key = lockKey(dl.alias.trim() === "" ? dl.primarySmtpAddress : dl.alias, customDomain)
    if (held !== undefined && !held.includes(key)) return yield* new ListLockMoved({ key })
  })

/** A list renamed under a change this many times in a row: the change then goes ahead under the last key. */
const MAX_MOVES = 3

/**
 * Runs the changes to one list one at a time, by `lockKey`. A PATCH works out its member changes from the
 * members it read: two at once would both apply theirs, and the list would end with neither request's
 * members (a DELETE racing a PATCH likewise left the PATCH retrying a vanished list). Within this instance
 * a change waits for the one before it; then it holds the list's lease among instances (`leases`).
 * `alsoKeys`: keys the change needs besides its list's (the alias a rename gives). Keys are taken in
 * order, so that two changes holding several never wait for each other in a circle.
 */
export const make = (customDomain: string, leases: ListLeasesShape = thisInstanceOnly) => {
  const locks = new Map<string, { readonly semaphore: Semaphore.Semaphore; holders: number }>()

  const holding = <A, E, R>(key: string, change: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        let lock = locks.get(key)
        if (lock === undefined) {
          lock = { semaphore: Semaphore.makeUnsafe(1), holders: 0 }
          locks.set(key, lock)
        }
        const held = lock
        held.holders++
        // Waiting for the list may be cut (the caller went away, shutdown): nothing has started yet. The
        // change then runs as its caller runs it (the handlers: to its end).
        // among instances by domain too: deployments for two tenants may share one Redis
        const lease = leases.hold(`${customDomain.toLowerCase()}/${key}`)
        const holdingLease = Effect.scoped(Effect.interruptible(lease).pipe(Effect.andThen(restore(change))))
        return Effect.interruptible(held.semaphore.take(1)).pipe(
          Effect.andThen(holdingLease.pipe(Effect.ensuring(held.semaphore.release(1)))),
          Effect.ensuring(Effect.sync(() => {
            if (--held.holders === 0) locks.delete(key)
          }))
        )
      })
    )

  /** Holds every key, in order; `checked`: the change's reads confirm they hold their list's key. */
  const holdingAll = <A, E, R>(keys: ReadonlyArray<string>, change: Effect.Effect<A, E, R>, checked: boolean) => {
    const sorted = [...new Set(keys)].sort()
    const confirming = Effect.provideService(change, HeldListKeys, checked ? sorted : undefined)
    return sorted.reduceRight<Effect.Effect<A, E, R>>((inner, key) => holding(key, inner), confirming)
  }

  return <A, E, R>(
    dlId: string,
    change: Effect.Effect<A, E | ListLockMoved, R>,
    alsoKeys: ReadonlyArray<string> = []
  ): Effect.Effect<A, E, R> => {
    const keysWith = (key: string) => [key, ...alsoKeys.map((k) => lockKey(k, customDomain))]
    const attempt = (key: string, moves: number): Effect.Effect<A, E, R> =>
      holdingAll(keysWith(key), change, moves < MAX_MOVES).pipe(
        Effect.catch((error) =>
          !(error instanceof ListLockMoved)
            ? Effect.fail(error)
            : moves < MAX_MOVES
            ? attempt(error.key, moves + 1)
            // unchecked, a change is never refused its key
            : Effect.die(error))
      )
    return attempt(lockKey(dlId, customDomain), 0)
  }
}
