import { Cause, ConfigProvider, Effect, Layer, Logger, References } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { DistributionLists, type DistributionListDetails } from "../../../src/application/DistributionLists.ts"
import * as Authenticate from "../../../src/adapters/http/auth/Authenticate.ts"
import * as Routes from "../../../src/adapters/http/Routes.ts"

export const details: DistributionListDetails = {
  dlId: "marketing-team",
  name: "marketing-team",
  displayName: "Marketing Team",
  primaryEmail: "marketing-team@contoso.example",
  owners: ["john.doe@contoso.example"],
  members: ["john.doe@contoso.example", "member1@contoso.example"],
  allowExternalSenders: false
}

export interface LogLine {
  readonly message: unknown
  readonly level: string
  readonly annotations: Record<string, unknown>
  readonly cause: string
}

export interface Response {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

/** The real routes over a `DistributionLists` stub, served as a web handler (no network). */
export const makeApp = (
  service: Partial<DistributionLists["Service"]>,
  env: Record<string, string> = {},
  extra: Layer.Layer<never> = Layer.empty
) => {
  const logs: Array<LogLine> = []
  const logger = Logger.make(({ cause, fiber, logLevel, message }) => {
    const annotations = { ...fiber.getRef(References.CurrentLogAnnotations) }
    logs.push({ message, level: logLevel, annotations, cause: cause.reasons.length > 0 ? Cause.pretty(cause) : "" })
  })
  const app = Routes.layer.pipe(
    Layer.provide(Layer.mock(DistributionLists, service)),
    // Authentication has its own tests (test/adapters/http/auth); here every caller is an admin.
    Layer.provide(Authenticate.layerTest()),
    Layer.provide(HttpServer.layerServices),
    Layer.provide(extra),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Layer.provideMerge(Logger.layer([logger]))
  )
  const { dispose, handler } = HttpRouter.toWebHandler(app, Routes.serveOptions)
  const request = (
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}
  ) =>
    Effect.promise(async (): Promise<Response> => {
      const raw = init.body === undefined || typeof init.body === "string" || init.body instanceof Uint8Array
      const body = raw ? init.body as string | Uint8Array<ArrayBuffer> | undefined : JSON.stringify(init.body)
      const headers = raw ? init.headers : { "content-type": "application/json", ...init.headers }
      const response = await handler(
        new Request(`http://localhost${path}`, {
          method,
          body: body ?? null,
          headers: headers ?? {},
          ...(init.signal ? { signal: init.signal } : {})
        })
      )
      const text = await response.text()
      let json: unknown = undefined
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: response.status, headers: response.headers, text, json }
    })
  return { request, logs, dispose: Effect.promise(dispose) }
}

/** `makeApp` as a scoped resource, disposed after the test. */
export const app = (...args: Parameters<typeof makeApp>) =>
  Effect.acquireRelease(Effect.sync(() => makeApp(...args)), (app) => app.dispose)
