import { Effect, Semaphore } from "effect"
import { aliasFromName } from "../domain/Alias.ts"
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

/**
 * Runs the changes to one list one at a time, by `lockKey`. A PATCH works out its member changes from the
 * members it read: two at once would both apply theirs, and the list would end with neither request's
 * members (a DELETE racing a PATCH likewise left the PATCH retrying a vanished list). Within this instance
 * a change waits for the one before it; then it holds the list's lease among instances (`leases`).
 */
export const make = (customDomain: string, leases: ListLeasesShape = thisInstanceOnly) => {
  const locks = new Map<string, { readonly semaphore: Semaphore.Semaphore; holders: number }>()
  return <A, E, R>(dlId: string, change: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const key = lockKey(dlId, customDomain)
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
}
