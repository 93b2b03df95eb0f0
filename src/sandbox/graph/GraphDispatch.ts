import { Effect } from "effect"
import type { Claims } from "../identity/AccessTokens.ts"
import type { SandboxStats } from "../Stats.ts"
import type { Behaviour } from "../tenant/Behaviour.ts"
import { resourceUnitCost } from "../tenant/ResourceUnits.ts"
import type { TenantModel } from "../tenant/TenantModel.ts"
import { getByIds, getGroup, groupLinks, listGroups } from "./GraphGroups.ts"
import type { GraphRequest } from "./GraphQuery.ts"
import {
  badRequest,
  forbidden,
  graphError,
  type GraphResponse,
  type RequestIds,
  throttled,
  unavailable,
  withResourceUnits
} from "./GraphResponse.ts"
import { countUsers, getUser, listUsers } from "./GraphUsers.ts"

export interface GraphDeps {
  readonly model: TenantModel["Service"]
  readonly behaviour: Behaviour["Service"]
  readonly stats: SandboxStats["Service"]
}

export interface GraphCall {
  readonly claims: Claims
  /** The sandbox origin the client used, for `@odata.nextLink`. */
  readonly base: string
  readonly ids: RequestIds
  /** Inside a `$batch`: counted as `$batch <operation>`. */
  readonly batched: boolean
}

// Application permissions (or delegated scopes) that allow each read; the Directory.* ones cover all.
const directory = ["Directory.Read.All", "Directory.ReadWrite.All"]
const permissions = {
  users: ["User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All", ...directory],
  groups: ["Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", ...directory],
  // spec §3: getByIds needs Directory.Read.All.
  directoryObjects: directory
} as const

interface Route {
  readonly operation: string
  readonly permission: keyof typeof permissions
  readonly run: (deps: GraphDeps, request: GraphRequest, call: GraphCall) => Effect.Effect<GraphResponse>
}

/** Percent-decodes a path segment; malformed sequences stay as they are (never throws). */
const segment = (raw: string): string => {
  const bytes: Array<number> = []
  const encoder = new TextEncoder()
  for (let i = 0; i < raw.length; i++) {
    const pair = raw.slice(i + 1, i + 3)
    if (raw[i] === "%" && /^[0-9a-f]{2}$/i.test(pair)) {
      bytes.push(parseInt(pair, 16))
      i += 2
    } else {
      bytes.push(...encoder.encode(raw[i]!))
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

const route = (method: string, path: string): Route | "method" | undefined => {
  const p = path.replace(/\/+$/, "") || "/"
  let m: RegExpExecArray | null
  const on = (wanted: string, r: Route) => (method === wanted ? r : "method" as const)
  if (/^\/users$/i.test(p)) {
    return on("GET", { operation: "GET /users", permission: "users", run: (d, r, c) => listUsers(d.model, r, c.base, c.ids) })
  }
  if (/^\/users\/\$count$/i.test(p)) {
    return on("GET", { operation: "GET /users/$count", permission: "users", run: (d, r, c) => countUsers(d.model, r, c.ids) })
  }
  if ((m = /^\/users(?:\('([^']+)'\)|\/([^/]+))$/i.exec(p))) {
    const key = segment(m[1] ?? m[2]!)
    // spec §1.1: "`/users/$x@y.com` fails with `400`. Use `/users('$x@y.com')` instead." (message UNVERIFIED)
    if (m[2] !== undefined && key.startsWith("$")) {
      return on("GET", {
        operation: "GET /users/{id}",
        permission: "users",
        run: (_d, _r, c) => Effect.succeed(badRequest(`Resource not found for the segment '${key}'.`, c.ids, "BadRequest"))
      })
    }
    return on("GET", { operation: "GET /users/{id}", permission: "users", run: (d, r, c) => getUser(d.model, r, key, c.ids) })
  }
  if (/^\/groups$/i.test(p)) {
    return on("GET", { operation: "GET /groups", permission: "groups", run: (d, r, c) => listGroups(d.model, r, c.base, c.ids) })
  }
  if ((m = /^\/groups\/([^/]+)$/i.exec(p))) {
    const id = segment(m[1]!)
    return on("GET", { operation: "GET /groups/{id}", permission: "groups", run: (d, r, c) => getGroup(d.model, r, id, c.ids) })
  }
  if ((m = /^\/groups\/([^/]+)\/(members|owners)$/i.exec(p))) {
    const id = segment(m[1]!)
    const link = m[2]!.toLowerCase() as "members" | "owners"
    return on("GET", {
      operation: `GET /groups/{id}/${link}`,
      permission: "groups",
      run: (d, r, c) => groupLinks(d.model, r, id, link, c.base, c.ids)
    })
  }
  if (/^\/directoryObjects\/getByIds$/i.test(p)) {
    return on("POST", {
      operation: "POST /directoryObjects/getByIds",
      permission: "directoryObjects",
      run: (d, r, c) => getByIds(d.model, r, c.ids)
    })
  }
  return undefined
}

const allowed = (claims: Claims, permission: keyof typeof permissions): boolean => {
  const granted = new Set([...claims.roles, ...(claims.scp?.split(" ") ?? [])])
  return permissions[permission].some((p) => granted.has(p))
}

/**
 * Runs one Graph request: count it, admit it through the behaviour knobs (with its resource-unit cost,
 * spec §5), check the permission, answer. While the resource-unit throttle is on, every admitted answer
 * says what it was charged in `x-ms-resource-unit`.
 */
export const dispatch = Effect.fnUntraced(function*(deps: GraphDeps, request: GraphRequest, call: GraphCall) {
  const target = route(request.method.toUpperCase(), request.path)
  const operation = typeof target === "object" ? target.operation : `${request.method.toUpperCase()} (unknown)`
  yield* deps.stats.count("graph", call.batched ? `$batch ${operation}` : operation)
  if (target === undefined) {
    const first = request.path.split("/").filter((s) => s !== "")[0] ?? ""
    return badRequest(`Resource not found for the segment '${first}'.`, call.ids, "BadRequest")
  }
  if (target === "method") {
    return graphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", call.ids)
  }
  const cost = resourceUnitCost(request)
  const admitted = yield* Effect.result(deps.behaviour.admit("graph", call.claims.appid, cost))
  if (admitted._tag === "Failure") {
    const fault = admitted.failure
    if (fault.status === 503) return unavailable(call.ids, fault.retryAfterSeconds)
    // spec §5: the x-ms-throttle-* headers belong to the identity limits; the global limit's 429 has only
    // Retry-After (choice: no source shows what else it sends).
    return fault.reason === "GlobalLimit"
      ? throttled(fault.retryAfterSeconds ?? 1, call.ids)
      : throttled(fault.retryAfterSeconds ?? 1, call.ids, { appId: call.claims.appid, tenantId: call.claims.tid })
  }
  const response = allowed(call.claims, target.permission) ? yield* target.run(deps, request, call) : forbidden(call.ids)
  // spec §5: every admitted answer says what it cost (the §2 batch sample shows it on a 403 too)
  return withResourceUnits(response, cost)
})
