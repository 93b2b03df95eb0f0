import { Config, ConfigProvider, Effect, Result } from "effect"
import { HttpMiddleware, HttpRouter, type HttpServerResponse } from "effect/http"
import { IpNetwork } from "effect/net"

/**
 * One `TRUSTED_PROXIES` entry: a network (`10.0.0.0/8`, `fd00::/8`) or a single address. An IPv4-mapped
 * entry (`::ffff:10.0.0.1`, as a dual-stack socket shows a peer) is taken as its IPv4 form, since peers are
 * matched as IPv4; a /0 (every peer) is refused, as it would let anyone choose its own client address.
 */
export const parseNetwork = (entry: string): IpNetwork.IpNetwork | undefined => {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,3}))?$/i.exec(entry)
  const text = mapped !== null
    ? `${mapped[1]}/${mapped[2] === undefined ? 32 : Number(mapped[2]) - 96}`
    : entry.includes("/") ? entry : `${entry}/${entry.includes(":") ? 128 : 32}`
  const parsed = IpNetwork.fromString(text)
  return Result.isSuccess(parsed) && parsed.success.prefixLength > 0 ? parsed.success : undefined
}

/**
 * `TRUSTED_PROXIES`: comma-separated networks or addresses of the reverse proxies in front of the service
 * (default none). Only a request whose TCP peer is one of them has its `X-Forwarded-For` (and `-Host`,
 * `-Proto`) applied, so failed authentications count under the real client's address; anyone else's
 * forwarding headers are ignored, since they could be forged.
 */
export const trustedProxies: Config.Config<ReadonlyArray<IpNetwork.IpNetwork>> = Config.String("TRUSTED_PROXIES").pipe(
  Config.withDefault(""),
  Config.mapEffect((raw: string) => {
    const entries = raw.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")
    const networks = entries.map(parseNetwork)
    const bad = entries.filter((_, i) => networks[i] === undefined)
    return bad.length === 0
      ? Effect.succeed(networks.filter((network) => network !== undefined))
      : Effect.fail(
        new Config.ConfigError(
          new ConfigProvider.SourceError({
            message: `TRUSTED_PROXIES: not a proxy network or address: ${bad.join(", ")} (e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8; no /0, no host bits after the prefix)`
          })
        )
      )
  })
)

const unchanged = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) => app

/** The forwarding-headers middleware for every route, when `TRUSTED_PROXIES` names any proxy. */
export const layer = HttpRouter.middleware(
  Effect.map(trustedProxies, (networks) =>
    networks.length === 0 ? unchanged : HttpMiddleware.xForwardedHeaders({ trustedProxies: networks })),
  { global: true }
)
