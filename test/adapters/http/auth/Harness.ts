import { Cause, ConfigProvider, Effect, Layer, Logger, Option, Redacted, References } from "effect"
import { HttpEffect, HttpRouter, HttpServer, HttpServerRequest } from "effect/http"
import { type ApiKeyEntry, layer as apiKeysLayer } from "../../../../src/adapters/http/auth/ApiKeys.ts"
import * as Authenticate from "../../../../src/adapters/http/auth/Authenticate.ts"
import * as Owners from "../../../../src/adapters/http/auth/Owners.ts"
import * as RateLimitStore from "../../../../src/adapters/http/auth/RateLimitStore.ts"
import * as TokenVerifier from "../../../../src/adapters/http/auth/TokenVerifier.ts"
import * as Routes from "../../../../src/adapters/http/Routes.ts"
import { DistributionLists, type DistributionListDetails } from "../../../../src/application/DistributionLists.ts"
import { DistributionListAmbiguous, DistributionListNotFound } from "../../../../src/domain/Errors.ts"
import { audience, authorityHost, makeDirectory, objectIdOf, type SigningKey, tenantId } from "./FakeTenant.ts"

export const readerKey = "reader-key-0123456789abcdef"
export const writerKey = "writer-key-0123456789abcdef"
export const adminKey = "admin-key-0123456789abcdef"

export const apiKeys: ReadonlyArray<ApiKeyEntry> = [
  { name: "reader-bot", role: "reader", key: Redacted.make(readerKey) },
  { name: "writer-bot", role: "writer", key: Redacted.make(writerKey) },
  { name: "ops", role: "admin", key: Redacted.make(adminKey) }
]

const list = (dlId: string, owners: ReadonlyArray<string>): DistributionListDetails => ({
  dlId,
  name: dlId,
  displayName: dlId,
  primaryEmail: `${dlId}@contoso.example`,
  owners,
  members: [],
  allowExternalSenders: false
})

/** Lists that exist, by id, with their owners' addresses (their ids are `objectIdOf` these). */
export const lists: Record<string, ReadonlyArray<string>> = {
  "janes-team": ["jane@contoso.example", "bob@contoso.example"],
  "bobs-team": ["bob@contoso.example"]
}

/** The directory: every address by its user's id; jane also has a second address. */
export const directoryIds: Record<string, string> = {
  "jane@contoso.example": "id-jane",
  "jane.doe@fabrikam.example": "id-jane",
  "bob@contoso.example": "id-bob"
}

/** An id that names more than one list. */
export const ambiguousId = "shared-team"

const missing = (dlId: string) =>
  dlId === ambiguousId ? new DistributionListAmbiguous({ dlId }) : new DistributionListNotFound({ dlId })

const service = (overrides: Partial<DistributionLists["Service"]> = {}) => Layer.mock(DistributionLists, {
  get: (dlId) => lists[dlId] === undefined ? Effect.fail(missing(dlId)) : Effect.succeed(list(dlId, lists[dlId])),
  owners: (dlId, _hints, by) => {
    const owners = lists[dlId]
    if (owners === undefined) return Effect.fail(missing(dlId))
    const ids = owners.map(objectIdOf)
    return Effect.succeed({ list: `guid-${dlId}`, owners: by === "ids" ? { ids } : { ids, addresses: owners } })
  },
  userIds: (addresses) => Effect.succeed(addresses.flatMap((address) => directoryIds[address.toLowerCase()] ?? [])),
  create: (request) =>
    Effect.succeed({
      dlId: request.name.toLowerCase().replace(/\s+/g, "-"),
      primaryEmail: "x@contoso.example",
      status: "created",
      failedMembers: []
    }),
  update: (dlId) => Effect.succeed({ message: `Distribution List '${dlId}' updated successfully.` }),
  remove: (dlId) => Effect.succeed({ message: `Distribution List '${dlId}' deleted successfully.` }),
  addMembers: () => Effect.succeed({ message: "All members added.", failed: [] }),
  removeMembers: () => Effect.succeed({ message: "All members removed (or already absent).", failed: [] }),
  ...overrides
})

export interface LogLine {
  readonly message: unknown
  readonly level: string
  readonly annotations: Record<string, unknown>
  readonly cause: string
}

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export interface RequestInit {
  readonly body?: unknown
  readonly headers?: Record<string, string>
  readonly signal?: AbortSignal
}

/**
 * The real routes with the real authentication (fake tenant keys, fixed API keys, the rate limiter's
 * store from `env`: memory unless `RATE_LIMIT_REDIS_URL`, then keys under `limiter.prefix`), served in
 * the test's own fiber context so `TestClock` and the collecting logger apply.
 */
export const makeApp = (
  keys: ReadonlyArray<SigningKey>,
  env: Record<string, string> = {},
  limiter: RateLimitStore.StoreOptions = {},
  /** Use cases that differ from the stub's. */
  overrides: Partial<DistributionLists["Service"]> = {}
) =>
  Effect.gen(function*() {
    const directory = makeDirectory(keys)
    const logs: Array<LogLine> = []
    const collector = Logger.make(({ cause, fiber, logLevel, message }) => {
      const annotations = { ...fiber.getRef(References.CurrentLogAnnotations) }
      logs.push({ message, level: logLevel, annotations, cause: cause.reasons.length > 0 ? Cause.pretty(cause) : "" })
    })
    const auth = Authenticate.layer.pipe(
      Layer.provide([
        apiKeysLayer(apiKeys),
        TokenVerifier.layer({ authorityHost, tenant: tenantId, audiences: [audience] }),
        Owners.layer,
        RateLimitStore.layerConfig(limiter)
      ]),
      Layer.provide(directory.layer)
    )
    const app = Routes.layer.pipe(
      Layer.provide(auth),
      Layer.provide(service(overrides)),
      Layer.provide(HttpServer.layerServices),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DOCS_ENABLED: "false", ...env })))
    )
    const loggers = Logger.layer([collector])
    const routes = yield* HttpRouter.toHttpEffect(app).pipe(Effect.provide(loggers))
    // A web `Request` has no peer address: the test header stands in for the connection's.
    const httpEffect = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.provideService(
        routes,
        HttpServerRequest.HttpServerRequest,
        request.modify({
          remoteAddress: Option.fromNullishOr(request.headers[remoteAddressHeader]),
          peerAddress: Option.fromNullishOr(request.headers[remoteAddressHeader])
        })
      ))
    const context = yield* Effect.provide(Effect.context<never>(), loggers)
    const handler = HttpEffect.toWebHandlerWith(context)(httpEffect as any)
    const request = (method: string, path: string, init: RequestInit = {}) =>
      Effect.promise(async (): Promise<Reply> => {
        const json = init.body !== undefined && typeof init.body !== "string" && !(init.body instanceof ReadableStream)
        const body = json ? JSON.stringify(init.body) : init.body as BodyInit | undefined
        const headers = { ...(json ? { "content-type": "application/json" } : {}), ...init.headers }
        const response = await handler(
          new Request(`http://localhost${path}`, {
            method,
            body: body ?? null,
            headers,
            ...(init.signal ? { signal: init.signal } : {}),
            ...(body instanceof ReadableStream ? { duplex: "half" } : {})
          } as globalThis.RequestInit)
        )
        const text = await response.text()
        return { status: response.status, headers: response.headers, text, json: Option.getOrUndefined(parseJson(text)) }
      })
    return { request, logs, directory }
  })

const parseJson = (text: string): Option.Option<any> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** Sets the request's client (peer) address in `makeApp`. */
export const remoteAddressHeader = "x-test-remote-address"

export const key = (value: string) => ({ "x-api-key": value })
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
