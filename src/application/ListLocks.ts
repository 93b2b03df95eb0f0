import { Effect, Semaphore } from "effect"

/**
 * Runs the changes to one list one at a time in this instance, by the dlId as the caller wrote it
 * (case-insensitive). A PATCH works out its member changes from the members it read: two at once would
 * both apply theirs, and the list would end with neither request's members (a DELETE racing a PATCH
 * likewise left the PATCH retrying a vanished list). Other instances are not coordinated.
 */
export const make = () => {
  const locks = new Map<string, { readonly semaphore: Semaphore.Semaphore; holders: number }>()
  return <A, E, R>(dlId: string, change: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const key = dlId.trim().toLowerCase()
        let lock = locks.get(key)
        if (lock === undefined) {
          lock = { semaphore: Semaphore.makeUnsafe(1), holders: 0 }
          locks.set(key, lock)
        }
        const held = lock
        held.holders++
        // Waiting for the list may be cut (the caller went away, shutdown): nothing has started yet. The
        // change then runs as its caller runs it (the handlers: to its end).
        return Effect.interruptible(held.semaphore.take(1)).pipe(
          Effect.andThen(restore(change).pipe(Effect.ensuring(held.semaphore.release(1)))),
          Effect.ensuring(Effect.sync(() => {
            if (--held.holders === 0) locks.delete(key)
          }))
        )
      })
    )
}
