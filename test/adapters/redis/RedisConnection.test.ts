import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Result } from "effect"
import { TestClock } from "effect/testing"
import { EventEmitter } from "node:events"
import { quietErrors } from "../../../src/adapters/redis/RedisConnection.ts"
import { parseRedisUrl } from "../../../src/adapters/redis/RedisUrl.ts"

describe("RedisConnection.quietErrors", () => {
  it.effect("one warning a minute for a client's errors, naming the target and the reason, never the password", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.layer([Logger.make(({ message }) => lines.push(String(message)))])
      const context = yield* Effect.context<never>().pipe(Effect.provide(logger))
      const client = new EventEmitter()
      let layerLogged = 0
      client.on("error", () => layerLogged++)
      const target = Result.getOrThrow(parseRedisUrl("redis://:s3cret@cache.internal:6380/2"))
      quietErrors(client, target, (effect) => Effect.runSyncWith(context)(effect))
      for (let i = 0; i < 30; i++) client.emit("error", new Error("connect ECONNREFUSED 10.0.0.5:6380 (auth s3cret)"))
      assert.strictEqual(layerLogged, 0, "the client layer's own listener still logs each error")
      assert.strictEqual(lines.length, 1)
      assert.include(lines[0], "cache.internal:6380")
      assert.include(lines[0], "ECONNREFUSED")
      assert.notInclude(lines[0], "s3cret")
      yield* TestClock.adjust("59 seconds")
      client.emit("error", new Error("still down"))
      assert.strictEqual(lines.length, 1)
      yield* TestClock.adjust("1 second")
      client.emit("error", new Error("still down"))
      assert.strictEqual(lines.length, 2)
    }))
})
