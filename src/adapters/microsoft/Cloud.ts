import { Config, Context, Effect, Layer, Option, Schema } from "effect"

/** A setting the Microsoft adapters cannot start with; the message names the variable(s). */
export class MicrosoftConfigError extends Schema.TaggedError<MicrosoftConfigError>()("MicrosoftConfigError", {
  variables: Schema.Array(Schema.String),
  problem: Schema.String
}) {
  override get message() {
    return `${this.variables.join(", ")}: ${this.problem}`
  }
}

export const CloudName = Schema.Literals(["global", "usgov-gcch", "usgov-dod", "china"])
export type CloudName = typeof CloudName.Type

interface CloudHosts {
  readonly authorityHost: string
  readonly graphHost: string
  readonly exchangeHost: string
}

// Authority and Graph roots: learn.microsoft.com/graph/deployments (US Gov L4 = GCC High, L5 = DoD;
// msal-node's hardcoded metadata knows login.partner.microsoftonline.cn, an alias of
// login.chinacloudapi.cn: spec graph-and-identity.md §6.5, §7.1). Exchange hosts: spec
// exchange-admin-rest.md §1.1 "Sovereign hosts". The Exchange token audience outside the global
// cloud is assumed to be the Exchange host itself: UNVERIFIED.
const hosts: Record<CloudName, CloudHosts> = {
  global: {
    authorityHost: "https://login.microsoftonline.com",
    graphHost: "https://graph.microsoft.com",
    exchangeHost: "https://outlook.office365.com"
  },
  "usgov-gcch": {
    authorityHost: "https://login.microsoftonline.us",
    graphHost: "https://graph.microsoft.us",
    exchangeHost: "https://outlook.office365.us"
  },
  "usgov-dod": {
    authorityHost: "https://login.microsoftonline.us",
    graphHost: "https://dod-graph.microsoft.us",
    exchangeHost: "https://outlook-dod.office365.us"
  },
  china: {
    authorityHost: "https://login.partner.microsoftonline.cn",
    graphHost: "https://microsoftgraph.chinacloudapi.cn",
    exchangeHost: "https://outlook.office365.cn"
  }
}

/** Where the adapters send their requests, and which app in which tenant they act as. */
export interface CloudSettings {
  readonly cloud: CloudName
  readonly tenantId: string
  readonly clientId: string | undefined
  /** Origin of the identity platform, e.g. `https://login.microsoftonline.com`. */
  readonly authorityHost: string
  /** Graph v1.0 root, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly graphBaseUrl: string
  /** Exchange root, e.g. `https://outlook.office365.com` (InvokeCommand lives under `/adminapi/beta`). */
  readonly exchangeBaseUrl: string
  /** App-only scopes: always the cloud's own resource hosts, even when a base URL is overridden. */
  readonly graphScope: string
  readonly exchangeScope: string
}

/** The raw settings as the environment spells them (blank means unset). */
export interface RawCloudSettings {
  readonly CLOUD?: string | undefined
  readonly TENANT_ID?: string | undefined
  readonly CLIENT_ID?: string | undefined
  readonly AUTHORITY_HOST?: string | undefined
  readonly GRAPH_BASE_URL?: string | undefined
  readonly EXCHANGE_BASE_URL?: string | undefined
}

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname)

/** Parses a base URL: https anywhere, plain http only on a loopback address. */
export const baseUrl = (
  variable: string,
  value: string,
  options: { readonly originOnly: boolean }
): Effect.Effect<string, MicrosoftConfigError> => {
  const url = URL.parse(value.trim())
  const fail = (problem: string) => Effect.fail(new MicrosoftConfigError({ variables: [variable], problem }))
  if (url === null) return fail(`"${value}" is not an absolute URL`)
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    return fail(`plain http:// is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https://`)
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return fail(`must be an https:// URL`)
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    return fail("must not carry a query, fragment or credentials")
  }
  if (options.originOnly && url.pathname !== "/") return fail("must be an origin without a path")
  return Effect.succeed(`${url.origin}${url.pathname.replace(/\/+$/, "")}`)
}

const blankToUndefined = (value: string | undefined) => value === undefined || value.trim() === "" ? undefined : value.trim()

/** The identity platform's origin for a `CLOUD` value (global when unknown: `settingsFrom` reports that). */
export const authorityHostOf = (cloud: string): string =>
  Schema.is(CloudName)(cloud) ? hosts[cloud].authorityHost : hosts.global.authorityHost

/** Validates raw settings; every failure names the variable at fault. */
export const settingsFrom = Effect.fnUntraced(function*(raw: RawCloudSettings) {
  const cloudValue = blankToUndefined(raw.CLOUD) ?? "global"
  if (!Schema.is(CloudName)(cloudValue)) {
    return yield* new MicrosoftConfigError({
      variables: ["CLOUD"],
      problem: `"${cloudValue}" is not one of global, usgov-gcch, usgov-dod, china`
    })
  }
  const tenantId = blankToUndefined(raw.TENANT_ID)
  if (tenantId === undefined || !/^[A-Za-z0-9.-]+$/.test(tenantId)) {
    return yield* new MicrosoftConfigError({
      variables: ["TENANT_ID"],
      problem: "required: the directory (tenant) id or the tenant's domain"
    })
  }
  const cloud = hosts[cloudValue]
  const authorityHost = yield* baseUrl("AUTHORITY_HOST", blankToUndefined(raw.AUTHORITY_HOST) ?? cloud.authorityHost, {
    originOnly: true
  })
  const graphRoot = yield* baseUrl("GRAPH_BASE_URL", blankToUndefined(raw.GRAPH_BASE_URL) ?? cloud.graphHost, {
    originOnly: false
  })
  const exchangeBaseUrl = yield* baseUrl(
    "EXCHANGE_BASE_URL",
    blankToUndefined(raw.EXCHANGE_BASE_URL) ?? cloud.exchangeHost,
    { originOnly: false }
  )
  const settings: CloudSettings = {
    cloud: cloudValue,
    tenantId,
    clientId: blankToUndefined(raw.CLIENT_ID),
    authorityHost,
    // GRAPH_BASE_URL may be given with or without the version segment.
    graphBaseUrl: graphRoot.endsWith("/v1.0") ? graphRoot : `${graphRoot}/v1.0`,
    exchangeBaseUrl,
    graphScope: `${cloud.graphHost}/.default`,
    exchangeScope: `${cloud.exchangeHost}/.default`
  }
  return settings
})

const optionalString = (name: string) => Config.option(Config.String(name)).pipe(Config.map(Option.getOrUndefined))

/** Reads `CLOUD`, `TENANT_ID`, `CLIENT_ID`, `AUTHORITY_HOST`, `GRAPH_BASE_URL`, `EXCHANGE_BASE_URL`. */
export const rawConfig: Config.Config<RawCloudSettings> = Config.all({
  CLOUD: optionalString("CLOUD"),
  TENANT_ID: optionalString("TENANT_ID"),
  CLIENT_ID: optionalString("CLIENT_ID"),
  AUTHORITY_HOST: optionalString("AUTHORITY_HOST"),
  GRAPH_BASE_URL: optionalString("GRAPH_BASE_URL"),
  EXCHANGE_BASE_URL: optionalString("EXCHANGE_BASE_URL")
})

/** The cloud, tenant and endpoints the Microsoft adapters talk to. */
export class Cloud extends Context.Service<Cloud, CloudSettings>()("distribution-list-api/adapters/microsoft/Cloud") {}

export const layer: Layer.Layer<Cloud, MicrosoftConfigError | Config.ConfigError> = Layer.effect(
  Cloud,
  Effect.flatMap(rawConfig, settingsFrom)
)

export const layerWith = (raw: RawCloudSettings): Layer.Layer<Cloud, MicrosoftConfigError> =>
  Layer.effect(Cloud, settingsFrom(raw))
