import { type Duration, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as DistributionLists from "../../src/application/DistributionLists.ts"
import * as Settings from "../../src/application/Settings.ts"
import type { DirectoryUser } from "../../src/domain/DistributionList.ts"
import * as FakeTenant from "./FakeTenant.ts"

/** The application over a fresh fake tenant; the tenant stays reachable for seeding and assertions. */
export const appLayer = (users: ReadonlyArray<DirectoryUser>, settings: Partial<Settings.SettingsShape> = {}) =>
  DistributionLists.layerNoDeps.pipe(
    Layer.provideMerge(FakeTenant.layer(users)),
    Layer.provide(Settings.layerWith(settings))
  )

/** Runs `effect` in a child fiber while the test clock moves `total` ahead (retries sleep on it), then joins it. */
export const withTime = <A, E, R>(effect: Effect.Effect<A, E, R>, total: Duration.Input = "1 hour") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    yield* TestClock.adjust(total)
    return yield* Fiber.join(fiber)
  })

/** The clock times of `calls`, relative to the first one. */
export const offsets = (calls: ReadonlyArray<{ readonly at: number }>) => calls.map((call) => call.at - calls[0]!.at)

export const gaps = (calls: ReadonlyArray<{ readonly at: number }>) =>
  calls.slice(1).map((call, index) => call.at - calls[index]!.at)
