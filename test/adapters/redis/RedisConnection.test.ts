import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Logger, Result, Scope } from "effect"
import { TestClock } from "effect/testing"
import { type AddressInfo, connect as connectTcp, createServer, type Socket } from "node:net"
import { connect, quietClientErrors } from "../../../src/adapters/redis/RedisConnection.ts"
import { parseRedisUrl } from "../../../src/adapters/redis/RedisUrl.ts"
import { ioTurn, redisUrl } from "../http/auth/RedisFixtures.ts"

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

  it.effect("the connections to one Redis share the minute: each new connection of a start-up retry does not reopen it", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const collect = Logger.make(({ message }) => lines.push(String(message)))
      const target = Result.getOrThrow(parseRedisUrl("redis://shared-gate.internal:6379/0"))
      for (let connection = 0; connection < 3; connection++) {
        const quiet = Logger.layer([quietClientErrors(new Set([collect]), target)])
        yield* Effect.logWarning("NodeRedis client error", new Error("connect ECONNREFUSED")).pipe(Effect.provide(quiet))
      }
      assert.strictEqual(lines.length, 1)
    }))
})

/** A TCP relay to the test Redis whose connections can be cut, as a Redis that went away cuts them. */
const startRelay = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ readonly port: number; readonly cut: () => void; readonly close: () => void }>((resolve) => {
      const upstream = new URL(redisUrl)
      const sockets = new Set<Socket>()
      const server = createServer((client) => {
        const redis = connectTcp(Number(upstream.port || 6379), upstream.hostname)
        for (const socket of [client, redis]) {
          sockets.add(socket)
          socket.on("error", () => socket.destroy())
          socket.on("close", () => sockets.delete(socket))
        }
        client.pipe(redis).pipe(client)
      })
      server.listen(0, "127.0.0.1", () =>
        resolve({
          port: (server.address() as AddressInfo).port,
          cut: () => {
            for (const socket of sockets) socket.destroy()
          },
          close: () => server.close()
        }))
    })
  ),
  (relay) => Effect.sync(() => {
    relay.cut()
    relay.close()
  })
)

describe("RedisConnection.connect", () => {
  it.effect("a connection's errors reach the service's loggers through quietClientErrors, not as the layer's own warning", () =>
    Effect.gen(function*() {
      const relay = yield* startRelay
      const lines: Array<string> = []
      const collect = Logger.make(({ message }) => lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message)))
      const target = Result.getOrThrow(parseRedisUrl(`redis://127.0.0.1:${relay.port}/0`))
      const scope = yield* Scope.make()
      yield* connect(target, Duration.seconds(5), scope).pipe(Effect.provide(Logger.layer([collect])))
      relay.close()
      relay.cut()
      for (let turn = 0; turn < 2_000 && lines.length === 0; turn++) yield* ioTurn
      yield* Scope.close(scope, Exit.void)
      assert.isAbove(lines.length, 0, "the lost connection was not logged")
      assert.isTrue(lines.every((line) => !line.startsWith("NodeRedis")), lines.join("\n"))
      assert.match(lines[0]!, new RegExp(`^Redis redis://127\\.0\\.0\\.1:${relay.port}/0: `))
    }))
})
