import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Result } from "effect"
import { TestClock } from "effect/testing"
import { quietClientErrors } from "../../../src/adapters/redis/RedisConnection.ts"
import { parseRedisUrl } from "../../../src/adapters/redis/RedisUrl.ts"

describe("RedisConnection.quietClientErrors", () => {
  it.effect("the client layer's warning per error becomes one a minute, naming target and reason, never the password", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const collect = Logger.make(({ message }) => lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message)))
      const target = Result.getOrThrow(parseRedisUrl("redis://:s3cret@cache.internal:6380/2"))
      const quiet = Logger.layer([quietClientErrors(new Set([collect]), target)])
      // as the client layer logs each error event
      const clientError = (text: string) => Effect.logWarning("NodeRedis client error", new Error(text)).pipe(Effect.provide(quiet))
      for (let i = 0; i < 30; i++) yield* clientError("connect ECONNREFUSED 10.0.0.5:6380 (auth s3cret)")
      assert.strictEqual(lines.length, 1)
      assert.include(lines[0], "cache.internal:6380")
      assert.include(lines[0], "ECONNREFUSED")
      assert.notInclude(lines[0], "s3cret")
      yield* TestClock.adjust("59 seconds")
      yield* clientError("still down")
      assert.strictEqual(lines.length, 1)
      yield* TestClock.adjust("1 second")
      yield* clientError("still down")
      assert.strictEqual(lines.length, 2)
      // anything else passes as it is
      yield* Effect.logInfo("another line").pipe(Effect.provide(quiet))
      assert.strictEqual(lines.at(-1), "another line")
    }))
})
