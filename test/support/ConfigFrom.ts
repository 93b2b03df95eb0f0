import { type Config, ConfigProvider, Effect } from "effect"

/** Reads `config` from `env` alone, as the service would read it from those variables. */
export const readConfig = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  Effect.gen(function*() {
    return yield* config
  }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))
