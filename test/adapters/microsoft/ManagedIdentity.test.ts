/**
 * The Microsoft adapters with USE_MANAGED_IDENTITY=true against the in-process sandbox's IMDS endpoint
 * (spec: graph-and-identity.md §9). msal picks its managed-identity source from process.env on the
 * first token request and keeps it (and the endpoint URL) in a static for the whole process, so this
 * file shares one sandbox, sets AZURE_POD_IDENTITY_AUTHORITY_HOST before any request, and stays
 * separate from the other files (vitest runs each file in its own worker).
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { GroupStore } from "../../../src/application/ports/GroupStore.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import * as MicrosoftAdapters from "../../../src/adapters/microsoft/MicrosoftAdapters.ts"
import * as Server from "../../../src/sandbox/Server.ts"
import { SandboxStats } from "../../../src/sandbox/Stats.ts"

const domain = "contoso.example"
const admin = `admin@${domain}`

const sandbox = Layer.effectDiscard(
  Effect.gen(function*() {
    const info = yield* Server.Sandbox
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        process.env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = info.baseUrl
      }),
      () => Effect.sync(() => delete process.env["AZURE_POD_IDENTITY_AUTHORITY_HOST"])
    )
  })
).pipe(Layer.provideMerge(Server.layerWith(Server.layerServicesTest())))

/** The adapters configured as a managed-identity deployment: no CLIENT_ID, no secret. */
const adapters = (managedIdentityClientId?: string) =>
  Layer.unwrap(
    Effect.map(Server.Sandbox, (info) =>
      MicrosoftAdapters.layerWith({
        TENANT_ID: info.tenantId,
        USE_MANAGED_IDENTITY: "true",
        ...(managedIdentityClientId === undefined ? {} : { MANAGED_IDENTITY_CLIENT_ID: managedIdentityClientId }),
        AUTHORITY_HOST: info.baseUrl,
        GRAPH_BASE_URL: info.baseUrl,
        EXCHANGE_BASE_URL: info.baseUrl
      }))
  ).pipe(Layer.provide(FetchHttpClient.layer))

const identityOperations = Effect.map(
  Effect.flatMap(SandboxStats, (stats) => stats.snapshot),
  (snapshot) => snapshot.surfaces.identity.operations
)
const counted = (operations: Readonly<Record<string, number>>, name: string) => operations[name] ?? 0

/** One Graph lookup and one Exchange write + read through the adapters; returns the IMDS calls it took. */
const graphAndExchange = (alias: string) =>
  Effect.gen(function*() {
    const before = yield* identityOperations
    const found = yield* (yield* UserDirectory).findUsers([admin])
    assert.isTrue(found.has(admin))
    const store = yield* GroupStore
    const target = { identity: `${alias}@${domain}`, anchor: admin }
    yield* store.create({
      name: alias,
      alias,
      displayName: alias,
      primarySmtpAddress: target.identity,
      managedBy: [admin],
      members: [admin],
      requireSenderAuthenticationEnabled: true,
      anchor: admin
    })
    const read = yield* store.get(target)
    assert.strictEqual(read.primarySmtpAddress.toLowerCase(), target.identity)
    const members = yield* store.listMembers(target)
    assert.deepStrictEqual([...members].map((m) => m.toLowerCase()), [admin])
    const after = yield* identityOperations
    return {
      imds: counted(after, "managed-identity") - counted(before, "managed-identity"),
      clientCredentials: counted(after, "token") - counted(before, "token")
    }
  })

layer(sandbox, { excludeTestServices: true, timeout: 20_000 })("managed identity over the sandbox's IMDS", (it) => {
  it.effect("system-assigned: Graph and Exchange accept the IMDS tokens, one per resource, no client credentials", () =>
    Effect.gen(function*() {
      const calls = yield* graphAndExchange("mi-system")
      assert.deepStrictEqual(calls, { imds: 2, clientCredentials: 0 })
    }).pipe(Effect.provide(adapters())))

  it.effect("user-assigned: MANAGED_IDENTITY_CLIENT_ID naming the identity (any case) works", () =>
    Effect.gen(function*() {
      const info = yield* Server.Sandbox
      const calls = yield* graphAndExchange("mi-user").pipe(Effect.provide(adapters(info.clientId.toUpperCase())))
      assert.deepStrictEqual(calls, { imds: 2, clientCredentials: 0 })
    }))

  it.effect("user-assigned: an id not assigned to the host reaches IMDS and comes back Forbidden, naming the variable", () =>
    Effect.gen(function*() {
      const stranger = "11111111-2222-3333-4444-555555555555"
      const before = counted(yield* identityOperations, "managed-identity")
      const error = yield* Effect.flip(
        Effect.gen(function*() {
          return yield* (yield* UserDirectory).findUsers([admin])
        }).pipe(Effect.provide(adapters(stranger)))
      )
      assert.strictEqual(error._tag, "UpstreamError")
      if (error._tag !== "UpstreamError") return
      assert.strictEqual(error.reason._tag, "Forbidden")
      assert.include(error.message, "invalid_request, 400")
      assert.include(error.message, `MANAGED_IDENTITY_CLIENT_ID ${stranger}`)
      // A 400 is not retried by msal (IMDS retry policy: 404, 408, 410, 429, 5xx only): one call per
      // resource, the startup warm-up's (the lookup shared the Graph one)
      assert.strictEqual(counted(yield* identityOperations, "managed-identity") - before, 2)
    }))
})
