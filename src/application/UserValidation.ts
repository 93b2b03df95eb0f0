import { Cache, Duration, Effect, Exit, Option, type Schedule } from "effect"
import type { DirectoryUser } from "../domain/DistributionList.ts"
import { normalizeEmail, uniqueEmails } from "../domain/Email.ts"
import { UsersNotFound } from "../domain/Errors.ts"
import type { UserDirectory } from "./ports/UserDirectory.ts"
import type { UpstreamError } from "./ports/UpstreamError.ts"
import type { Tagged } from "./Retry.ts"
import type { SettingsShape } from "./Settings.ts"

/** Found users, keyed by normalised address (see `normalizeEmail`). */
export type FoundUsers = ReadonlyMap<string, DirectoryUser>

export interface UserValidation {
  /** Looks the addresses up: cache first, then ONE directory call for all the misses. Unknown ones are absent. */
  readonly resolve: (addresses: ReadonlyArray<string>) => Effect.Effect<FoundUsers, UpstreamError>
  /** Like `resolve`, but fails with `UsersNotFound` naming every unknown address (in the caller's spelling). */
  readonly requireAll: (addresses: ReadonlyArray<string>) => Effect.Effect<FoundUsers, UsersNotFound | UpstreamError>
}

/**
 * User validation through an effect `Cache`. Only found users are cached, for `VALIDATION_CACHE_TTL_S`: a user
 * created a minute after a failed lookup must not stay unknown for 15 minutes. A TTL of 0 disables the cache.
 */
export const make = Effect.fnUntraced(function*(
  directory: UserDirectory["Service"],
  settings: SettingsShape,
  retry: Schedule.Schedule<Duration.Duration, Tagged>
) {
  const ttl = Duration.seconds(settings.validationCacheTtlSeconds)
  const findUsers = (keys: ReadonlyArray<string>) => directory.findUsers(keys).pipe(Effect.retry(retry))
  // The lookup serves single `Cache.get`s; `resolve` below batches its misses itself.
  const cache = yield* Cache.makeWith(
    (key: string) => Effect.map(findUsers([key]), (found) => Option.fromNullishOr(found.get(key))),
    {
      capacity: settings.validationCacheCapacity,
      timeToLive: (exit) => (Exit.isSuccess(exit) && Option.isSome(exit.value) ? ttl : Duration.zero)
    }
  )

  const resolve = Effect.fnUntraced(function*(addresses: ReadonlyArray<string>) {
    const keys = [...new Set(addresses.map(normalizeEmail))]
    const found = new Map<string, DirectoryUser>()
    const sizeBefore = yield* Cache.size(cache)
    const misses: Array<string> = []
    for (const key of keys) {
      const hit = Option.flatten(yield* Cache.getSuccess(cache, key))
      if (Option.isSome(hit)) found.set(key, hit.value)
      else misses.push(key)
    }
    // `getSuccess` drops the expired entries it meets: the size tells how many it met.
    const sizeAfterLookups = yield* Cache.size(cache)
    let stored = 0
    if (misses.length > 0) {
      const fetched = yield* findUsers(misses)
      for (const key of misses) {
        const user = fetched.get(key)
        if (user === undefined) continue
        found.set(key, user)
        yield* Cache.set(cache, key, Option.some(user))
        if (!Duration.isZero(ttl)) stored++
      }
    }
    if (settings.logCacheStats) {
      const size = yield* Cache.size(cache)
      yield* Effect.logInfo(
        `User cache: ${keys.length - misses.length} hit(s), ${misses.length} miss(es), ` +
          `${sizeBefore - sizeAfterLookups} expired, ${sizeAfterLookups + stored - size} evicted; ${size} cached`
      )
    }
    return found as FoundUsers
  })

  const requireAll = Effect.fnUntraced(function*(addresses: ReadonlyArray<string>) {
    const found = yield* resolve(addresses)
    const unknown = uniqueEmails(addresses).filter((address) => !found.has(normalizeEmail(address)))
    if (unknown.length > 0) return yield* new UsersNotFound({ addresses: unknown })
    return found
  })

  return { resolve, requireAll } satisfies UserValidation
})
