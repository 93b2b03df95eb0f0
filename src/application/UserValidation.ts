import { Clock, type Duration, Effect, type Schedule } from "effect"
import type { DirectoryUser } from "../domain/DistributionList.ts"
import { normalizeEmail } from "../domain/Email.ts"
import { UsersNotFound } from "../domain/Errors.ts"
import type { UserDirectory } from "./ports/UserDirectory.ts"
import type { UpstreamError } from "./ports/UpstreamError.ts"
import type { Tagged } from "./Retry.ts"
import type { SettingsShape } from "./Settings.ts"
import { TtlCache } from "./TtlCache.ts"

/** Found users, keyed by normalised address (see `normalizeEmail`). */
export type FoundUsers = ReadonlyMap<string, DirectoryUser>

export interface UserValidation {
  /** Looks the addresses up: cache first, then ONE directory call for all the misses. Unknown ones are absent. */
  readonly resolve: (addresses: ReadonlyArray<string>) => Effect.Effect<FoundUsers, UpstreamError>
  /**
   * Like `resolve`, but fails with `UsersNotFound` naming every unknown address (in the caller's spelling),
   * and every one of `mailboxFor` (owners) whose user has no mailbox: Exchange refuses those as owners,
   * one per attempt, so they are named with the rest up front.
   */
  readonly requireAll: (
    addresses: ReadonlyArray<string>,
    mailboxFor?: ReadonlyArray<string>
  ) => Effect.Effect<FoundUsers, UsersNotFound | UpstreamError>
}

/**
 * User validation through a TTL cache. Only found users are cached, for `VALIDATION_CACHE_TTL_S`: a user
 * created a minute after a failed lookup must not stay unknown for 15 minutes. A TTL of 0 disables the cache.
 */
export const make = Effect.fnUntraced(function*(
  directory: UserDirectory["Service"],
  settings: SettingsShape,
  retry: Schedule.Schedule<Duration.Duration, Tagged>
) {
  const cache = new TtlCache<string, DirectoryUser>({
    capacity: settings.validationCacheCapacity,
    ttlMillis: settings.validationCacheTtlSeconds * 1000
  })
  const findUsers = (keys: ReadonlyArray<string>) => directory.findUsers(keys).pipe(Effect.retry(retry))

  const resolve = Effect.fnUntraced(function*(addresses: ReadonlyArray<string>) {
    const keys = new Set<string>()
    for (const address of addresses) keys.add(normalizeEmail(address))
    const found = new Map<string, DirectoryUser>()
    const sizeBefore = cache.size
    const misses: Array<string> = []
    const now = yield* Clock.currentTimeMillis
    for (const key of keys) {
      const hit = cache.get(key, now)
      if (hit !== undefined) found.set(key, hit)
      else misses.push(key)
    }
    // `get` drops the expired entries it meets: the size tells how many it met.
    const sizeAfterLookups = cache.size
    let stored = 0
    if (misses.length > 0) {
      const fetched = yield* findUsers(misses)
      const fetchedAt = yield* Clock.currentTimeMillis
      for (const key of misses) {
        const user = fetched.get(key)
        if (user === undefined) continue
        found.set(key, user)
        cache.set(key, user, fetchedAt)
        if (settings.validationCacheTtlSeconds > 0) stored++
      }
    }
    if (settings.logCacheStats) {
      const size = cache.size
      yield* Effect.logInfo(
        `User cache: ${keys.size - misses.length} hit(s), ${misses.length} miss(es), ` +
          `${sizeBefore - sizeAfterLookups} expired, ${sizeAfterLookups + stored - size} evicted; ${size} cached`
      )
    }
    return found as FoundUsers
  })

  const requireAll = Effect.fnUntraced(function*(addresses: ReadonlyArray<string>, mailboxFor: ReadonlyArray<string> = []) {
    const found = yield* resolve(addresses)
    const needsMailbox = new Set(mailboxFor.map(normalizeEmail))
    const unknown: Array<string> = []
    const reported = new Set<string>()
    for (const address of addresses) {
      const key = normalizeEmail(address)
      const user = found.get(key)
      if (reported.has(key) || (user !== undefined && !(needsMailbox.has(key) && user.mail === null))) continue
      reported.add(key)
      unknown.push(address.trim())
    }
    if (unknown.length > 0) return yield* new UsersNotFound({ addresses: unknown })
    return found
  })

  return { resolve, requireAll } satisfies UserValidation
})
