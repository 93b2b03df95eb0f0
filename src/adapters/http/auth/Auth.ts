import { type Config, Layer } from "effect"
import type { HttpClient } from "effect/http"
import type { DistributionLists } from "../../../application/DistributionLists.ts"
import * as ApiKeys from "./ApiKeys.ts"
import * as Authenticate from "./Authenticate.ts"
import * as Owners from "./Owners.ts"
import * as RateLimitStore from "./RateLimitStore.ts"
import * as ReadGate from "./ReadGate.ts"
import type { Authentication } from "./Security.ts"
import * as TokenVerifier from "./TokenVerifier.ts"

export type AuthLayer = Layer.Layer<
  Authentication | ReadGate.ReadGate,
  Config.ConfigError,
  DistributionLists | HttpClient.HttpClient
>

const compose = (
  apiKeys: Layer.Layer<ApiKeys.ApiKeys, Config.ConfigError>,
  tokens: Layer.Layer<TokenVerifier.TokenVerifier, Config.ConfigError, HttpClient.HttpClient>
): AuthLayer =>
  // one build of keys and counters for both: the read gate admits and counts as `Authenticate` would
  Layer.merge(Authenticate.layer, ReadGate.layer).pipe(
    Layer.provide([apiKeys, tokens, Owners.layer, RateLimitStore.layerConfig()])
  )

/**
 * Against a real tenant: tokens from `TENANT_ID` / `AUTHORITY_HOST` / `API_AUDIENCE`, keys from
 * `API_KEYS` (none: tokens only), `RATE_LIMIT_PER_MINUTE`, `RATE_LIMIT_REDIS_URL`.
 */
export const layerConfig: AuthLayer = compose(ApiKeys.layerConfig, TokenVerifier.layerConfig)

/**
 * Against the sandbox tenant at `authorityHost` (loopback http is fine): its `/_sandbox/tokens`
 * tokens with `aud` = `API_AUDIENCE` are accepted, and without `API_KEYS` an admin key is generated
 * and printed once with a curl line for `baseUrl` (the service's own URL).
 */
export const layerSandbox = (options: {
  readonly baseUrl: string
  readonly authorityHost: string
  readonly tenantId: string
}): AuthLayer =>
  compose(
    ApiKeys.layerFromEnvOrGenerated({ baseUrl: options.baseUrl }),
    TokenVerifier.layerConfigWith({ authorityHost: options.authorityHost, tenant: options.tenantId })
  )
