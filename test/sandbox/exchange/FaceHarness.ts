import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { defaults, SandboxConfig } from "../../../src/sandbox/Config.ts"
import * as ExchangeFace from "../../../src/sandbox/exchange/ExchangeFace.ts"
import { AccessTokens } from "../../../src/sandbox/identity/AccessTokens.ts"
import { SandboxStats } from "../../../src/sandbox/Stats.ts"
import { Behaviour, type Knobs } from "../../../src/sandbox/tenant/Behaviour.ts"
import { type TenantOptions, TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"

export const ORIGIN = "http://127.0.0.1:8081"
export const TENANT = defaults.tenantId
export const INVOKE = `${ORIGIN}/adminapi/beta/${TENANT}/InvokeCommand`
export const APP_ANCHOR = `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${TENANT}`

export const services = (options: { readonly tenant?: TenantOptions; readonly knobs?: Partial<Knobs> } = {}) =>
  Layer.mergeAll(
    AccessTokens.layer,
    SandboxStats.layer,
    Behaviour.layerTest(options.knobs),
    TenantModel.layerTest(options.tenant)
  ).pipe(Layer.provideMerge(SandboxConfig.layerWith()))

/** The face's router run in the test fiber (TestClock, seeded Random apply), one web Request at a time. */
export const client = Effect.gen(function*() {
  const app = yield* HttpRouter.toHttpEffect(ExchangeFace.layer)
  return (request: Request) =>
    app.pipe(
      Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(request)),
      Effect.map((response) => HttpServerResponse.toWeb(response)),
      Effect.scoped
    )
})

export const exchangeToken = (options: { readonly roles?: ReadonlyArray<string>; readonly aud?: string } = {}) =>
  Effect.flatMap(AccessTokens, (tokens) =>
    tokens.issue({
      aud: options.aud ?? "https://outlook.office365.com",
      appid: defaults.clientId,
      roles: options.roles ?? ["Exchange.ManageAsApp"]
    })).pipe(Effect.map((issued) => issued.token))

export const post = (
  url: string,
  body: unknown,
  headers: Record<string, string | undefined> = {}
): Request =>
  new Request(url, {
    method: "POST",
    headers: Object.fromEntries(
      Object.entries({ host: new URL(url).host, "content-type": "application/json", "x-anchormailbox": APP_ANCHOR, ...headers })
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
    ),
    body: JSON.stringify(body)
  })

export const command = (cmdlet: string, parameters: Record<string, unknown> = {}) => ({
  CmdletInput: { CmdletName: cmdlet, Parameters: parameters }
})

export const json = (response: Response) => Effect.promise(() => response.json() as Promise<Record<string, any>>)
export const bytes = (response: Response) => Effect.promise(() => response.arrayBuffer().then((b) => new Uint8Array(b)))
