/**
 * USE_MANAGED_IDENTITY=true where the managed-identity endpoint is wrong or absent: the adapters fail
 * with a clear UpstreamError, and a silent endpoint cannot hang them (Msal.MANAGED_IDENTITY_TIMEOUT).
 * Its own file: msal keeps the IMDS endpoint from AZURE_POD_IDENTITY_AUTHORITY_HOST in a process-wide
 * static (spec: graph-and-identity.md §9), here a raw TCP listener that either drops or ignores requests.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { createServer, type Server, type Socket } from "node:net"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import * as MicrosoftAdapters from "../../../src/adapters/microsoft/MicrosoftAdapters.ts"
import { MANAGED_IDENTITY_TIMEOUT } from "../../../src/adapters/microsoft/Msal.ts"

let mode: "drop" | "ignore" = "drop"
let arrived: (() => void) | undefined
const sockets = new Set<Socket>()
let server: Server

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.once("data", () => {
      arrived?.()
      if (mode === "drop") socket.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no port")
  process.env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = `http://127.0.0.1:${address.port}`
})

afterAll(async () => {
  delete process.env["AZURE_POD_IDENTITY_AUTHORITY_HOST"]
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

// Graph and Exchange are never reached: the token comes first.
const adapters = MicrosoftAdapters.layerWith({
  TENANT_ID: "00000000-0000-0000-0000-000000000001",
  USE_MANAGED_IDENTITY: "true",
  GRAPH_BASE_URL: "http://127.0.0.1:9",
  EXCHANGE_BASE_URL: "http://127.0.0.1:9"
}).pipe(Layer.provide(FetchHttpClient.layer))

const lookup = Effect.gen(function*() {
  return yield* (yield* UserDirectory).findUsers(["admin@contoso.example"])
}).pipe(Effect.provide(adapters))

describe("managed identity without a working endpoint", () => {
  it.effect("a dropped connection is a Failed UpstreamError that says where the token was expected", () =>
    Effect.gen(function*() {
      mode = "drop"
      const error = yield* Effect.flip(lookup)
      assert.strictEqual(error._tag, "UpstreamError")
      if (error._tag !== "UpstreamError") return
      assert.strictEqual(error.reason._tag, "Failed")
      assert.match(error.message, /^Tokens\.acquire: cannot reach the managed identity endpoint: .*AZURE_POD_IDENTITY_AUTHORITY_HOST/)
    }))

  it.effect("an endpoint that never answers fails after MANAGED_IDENTITY_TIMEOUT instead of hanging", () =>
    Effect.gen(function*() {
      mode = "ignore"
      const reached = yield* Deferred.make<void>()
      arrived = () => Deferred.doneUnsafe(reached, Effect.void)
      const fiber = yield* Effect.forkChild(Effect.flip(lookup))
      yield* Deferred.await(reached)
      yield* TestClock.adjust(Duration.subtract(MANAGED_IDENTITY_TIMEOUT, Duration.millis(1)))
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(Duration.millis(1))
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "UpstreamError")
      if (error._tag !== "UpstreamError") return
      assert.strictEqual(error.reason._tag, "Failed")
      assert.match(error.message, /no answer from the managed identity endpoint within 20s/)
    }))
})
