import { type Config, ConfigProvider, Layer } from "effect"
import type { HttpClient } from "effect/http"
import type { GroupStore } from "../../application/ports/GroupStore.ts"
import type { UserDirectory } from "../../application/ports/UserDirectory.ts"
import * as Cloud from "./Cloud.ts"
import * as ExchangeGroupStore from "./ExchangeGroupStore.ts"
import * as GraphUserDirectory from "./GraphUserDirectory.ts"
import * as Tokens from "./Tokens.ts"

export type MicrosoftAdaptersError = Cloud.MicrosoftConfigError | Config.ConfigError

/**
 * Both ports over Microsoft Graph and Exchange Online, configured from the environment (`CLOUD`,
 * `TENANT_ID`, `CLIENT_ID`, a credential, optional base-URL overrides). One token cache and one
 * msal client serve both. Needs an `HttpClient` (e.g. `FetchHttpClient.layer`).
 */
export const layer: Layer.Layer<UserDirectory | GroupStore, MicrosoftAdaptersError, HttpClient.HttpClient> = Layer
  .mergeAll(GraphUserDirectory.layer, ExchangeGroupStore.layer)
  .pipe(Layer.provide(Tokens.layer), Layer.provide(Cloud.layer))

/**
 * The same adapters with settings given in code instead of the environment, spelled like the
 * variables (`TENANT_ID`, `CLIENT_SECRET`, `AUTHORITY_HOST`, …): how `main` points them at an
 * in-process sandbox.
 */
export const layerWith = (
  settings: Readonly<Record<string, string>>
): Layer.Layer<UserDirectory | GroupStore, MicrosoftAdaptersError, HttpClient.HttpClient> =>
  layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(settings))))
