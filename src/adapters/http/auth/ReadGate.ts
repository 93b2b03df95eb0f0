import { Context, Effect, Layer, Option, Redacted } from "effect"
import { authorize } from "../../../domain/Access.ts"
import { ApiKeys } from "./ApiKeys.ts"
import { budgetKey, rateLimitConfig } from "./Authenticate.ts"
import { CurrentCounters } from "./BoundedMemoryStore.ts"

/**
 * What `Authenticate` decides for a read by API key, synchronously, for a path that answers without the
 * Effect pipeline (`FastPath`'s cached lookups): whether the key is valid, its role may read, and its
 * budget has room (the request is then counted, as `Authenticate` counts it). False sends the request
 * the usual way, which answers or refuses it (401, 429) and logs why; so does a limiter in Redis.
 */
export class ReadGate extends Context.Service<ReadGate, {
  /** Whether any request could be admitted: API keys are on, and the budgets are in this process (or off). */
  readonly usable: boolean
  readonly admit: (apiKey: string, nowMillis: number) => boolean
}>()("distribution-list-api/adapters/http/auth/ReadGate") {}

export const make = Effect.gen(function*() {
  const apiKeys = yield* ApiKeys
  const counters = yield* CurrentCounters
  const perMinute = yield* rateLimitConfig
  // Effect's fixed window: each request pushes the window's end by a minute's share
  const refillMillis = 60_000 / perMinute
  const usable = apiKeys.enabled && (perMinute <= 0 || counters !== undefined)
  return ReadGate.of({
    usable,
    admit: (apiKey, nowMillis) => {
      if (!usable) return false
      const caller = apiKeys.authenticate(Redacted.make(apiKey))
      if (Option.isNone(caller) || !authorize(caller.value, "read", {}).allowed) return false
      if (perMinute <= 0 || counters === undefined) return true
      const [count] = counters.consume(budgetKey(caller.value), 1, refillMillis, perMinute, nowMillis)
      return count <= perMinute
    }
  })
})

/** Needs the same `ApiKeys` and rate limiter as `Authenticate.layer`, to share their keys and counters. */
export const layer = Layer.effect(ReadGate, make)
