import {
  advancedOperatorsOf,
  type Filter,
  FilterSyntaxError,
  longestMatchedText,
  orClauses,
  parseFilter,
  propertiesOf
} from "./ODataFilter.ts"
import { badRequest, graphRoot, type GraphResponse, type RequestIds, unsupportedQuery } from "./GraphResponse.ts"
import { type Kind, unknownProperty } from "./GraphViews.ts"

/** One Graph request as the face sees it: relative to `/v1.0`, from the wire or from a `$batch` entry. */
export interface GraphRequest {
  readonly method: string
  /** Path below `/v1.0`, e.g. `/users/adele.vance@contoso.example` (still percent-encoded). */
  readonly path: string
  readonly query: URLSearchParams
  /** The URL below `/v1.0` as sent, path and query still percent-encoded: what the URL-length limit measures. */
  readonly target: string
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

export interface QueryOptions {
  readonly select: ReadonlyArray<string> | undefined
  readonly filter: Filter | undefined
  readonly top: number
  readonly offset: number
  /** `$count=true` with `ConsistencyLevel: eventual` (spec §1.2: without the header it is ignored). */
  readonly count: boolean
}

const resourceName = { user: "User", group: "Group" } as const

/** spec §1.2: filterable properties (Default support) of each entity type in the sandbox. */
const filterable: Readonly<Record<Kind, ReadonlyArray<string>>> = {
  user: ["id", "userPrincipalName", "mail", "mailNickname", "displayName", "accountEnabled", "userType"],
  group: ["id", "mail", "mailNickname", "displayName", "mailEnabled", "securityEnabled"]
}
const filterableCollections: Readonly<Record<Kind, ReadonlyArray<string>>> = {
  user: ["proxyAddresses", "otherMails", "imAddresses"],
  group: ["proxyAddresses", "groupTypes"]
}

// spec §1.2: "limited to 15 expressions in the filter clause by default"; the error text is a user's capture
// (microsoftgraph/microsoft-graph-docs#21098); its code is UNVERIFIED.
const maxOrClauses = 15

/**
 * spec §1.2 "Limits": with advanced queries the `in` limit is "a URL length of 2,048 characters" instead
 * of 15 expressions. Measured as Graph would see it, on the absolute URL `https://graph.microsoft.com/v1.0`
 * plus the relative URL as sent (inside `$batch`: the entry's url, less any `/v1.0` prefix), whatever origin
 * the sandbox is reached on. UNVERIFIED: how Graph counts (absolute vs relative, inside `$batch`) and
 * the answer; a 400 `Request_UnsupportedQuery` like the 15-expression one is the plausible guess.
 */
export const maxAdvancedUrlLength = 2048

/**
 * spec §1.2 "Limits": "When filtering using the `eq` operator, the maximum limit of the value to match is
 * 120 characters … When using advanced queries, the limit is applied on the URL length". Applied to `in`
 * values too (stricter than the source says, so nothing passes here that Graph might refuse). UNVERIFIED:
 * the answer; a 400 `Request_UnsupportedQuery` as for the other query limits is the plausible guess.
 */
export const maxEqValueLength = 120
const graphBase = "https://graph.microsoft.com/v1.0"
export const measuredUrlLength = (request: GraphRequest): number => graphBase.length + request.target.length
const defaultPageSize = 100

const advanced = (request: GraphRequest) =>
  request.headers["consistencylevel"]?.toLowerCase() === "eventual"

/** spec §1.2: "Advanced-query parameters = the header `ConsistencyLevel: eventual` **and** `$count=true`". */
const advancedQuery = (request: GraphRequest) => advanced(request) && request.query.get("$count")?.toLowerCase() === "true"

// spec §1.2: "`endsWith` ... is supported only on `mail`, `otherMails`, `userPrincipalName` and `proxyAddresses`".
const endsWithProperties: ReadonlyArray<string> = ["mail", "otherMails", "userPrincipalName", "proxyAddresses"]

/**
 * spec §1.2: the verbatim body for `endsWith` without the advanced-query parameters. UNVERIFIED: that
 * `ne` and `not` (which need them too) are refused with the same template naming their operator.
 */
const needsAdvanced = (operator: string) =>
  `Operator '${operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`

/** Parses `$select`, `$filter`, `$top`, `$skiptoken`, `$count` (and refuses `$search` without the header). */
export const queryOptions = (request: GraphRequest, kind: Kind, ids: RequestIds): QueryOptions | GraphResponse => {
  const q = request.query
  if (q.has("$search") && !advanced(request)) {
    return unsupportedQuery(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      ids
    )
  }
  const selectText = q.get("$select")
  const select = selectText === null ? undefined : selectText.split(",").map((s) => s.trim()).filter((s) => s !== "")
  const unknown = select && unknownProperty(kind, select)
  if (unknown !== undefined) {
    return badRequest(`Could not find a property named '${unknown}' on type 'microsoft.graph.${kind}'.`, ids, "BadRequest")
  }
  const topText = q.get("$top")
  const top = topText === null ? defaultPageSize : Number(topText)
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    // spec §1.1: the text is sourced; the code is UNVERIFIED.
    return badRequest(`Invalid page size specified: '${topText}'. Must be between 1 and 999 inclusive.`, ids)
  }
  const offset = decodeSkipToken(q.get("$skiptoken"))
  if (offset === undefined) return badRequest("Invalid $skiptoken value.", ids, "BadRequest")
  const filterText = q.get("$filter")
  let filter: Filter | undefined
  if (filterText !== null) {
    const parsed = parseFilter(filterText)
    if (parsed instanceof FilterSyntaxError) {
      return badRequest(`Invalid filter clause: Syntax error at position ${parsed.position} in '${filterText}'.`, ids, "BadRequest")
    }
    const bad = propertiesOf(parsed).find((p) => !(p.any ? filterableCollections : filterable)[kind].includes(p.property))
    if (bad !== undefined) {
      return unsupportedQuery(
        `Unsupported or invalid query filter clause specified for property '${bad.property}' of resource '${resourceName[kind]}'.`,
        ids
      )
    }
    for (const use of advancedOperatorsOf(parsed)) {
      if (!advancedQuery(request)) return unsupportedQuery(needsAdvanced(use.operator), ids)
      if (use.operator === "endsWith" && !endsWithProperties.includes(use.property!)) {
        return unsupportedQuery(
          `Unsupported or invalid query filter clause specified for property '${use.property}' of resource '${resourceName[kind]}'.`,
          ids
        )
      }
    }
    const length = measuredUrlLength(request)
    if (advancedQuery(request) && length > maxAdvancedUrlLength) {
      return unsupportedQuery(
        `The request URL is ${length} characters long. Max allowed with advanced query parameters: ${maxAdvancedUrlLength}`,
        ids
      )
    }
    const longest = longestMatchedText(parsed)
    if (longest > maxEqValueLength && !advancedQuery(request)) {
      return unsupportedQuery(
        `The value to match is ${longest} characters long. Max allowed without advanced query parameters: ${maxEqValueLength}`,
        ids
      )
    }
    const clauses = orClauses(parsed)
    // spec §1.2: with advanced queries the limit becomes the URL length instead.
    if (clauses > maxOrClauses && !advancedQuery(request)) {
      return unsupportedQuery(
        `Too many child clauses specified in search filter expression containing 'OR' operators: ${clauses}. Max allowed: ${maxOrClauses}`,
        ids
      )
    }
    filter = parsed
  }
  return { select, filter, top, offset, count: q.get("$count") === "true" && advanced(request) }
}

export const isResponse = (value: QueryOptions | GraphResponse): value is GraphResponse => "status" in value

/** `$skiptoken` is opaque to clients; the sandbox's holds the next offset. */
export const encodeSkipToken = (offset: number): string => `RFNwdAoAAQAAAAAAAAAAFAAAA${offset.toString(36)}`

const decodeSkipToken = (token: string | null): number | undefined => {
  if (token === null) return 0
  const match = /^RFNwdAoAAQAAAAAAAAAAFAAAA([0-9a-z]+)$/.exec(token)
  return match === null ? undefined : parseInt(match[1]!, 36)
}

/** `@odata.nextLink`: the same request (filter, select, top...) at the next offset, on the sandbox's own origin. */
export const nextLink = (base: string, request: GraphRequest, offset: number): string => {
  const query = new URLSearchParams(request.query)
  query.set("$skiptoken", encodeSkipToken(offset))
  const path = request.path.startsWith("/") ? request.path : `/${request.path}`
  return `${base}/v1.0${path}?${query.toString().replace(/%24/g, "$").replace(/%2C/gi, ",")}`
}

/** `@odata.context` for a collection or entity of `entitySet`, with the `$select` list if any (spec §1.1, §1.3). */
export const contextUrl = (entitySet: string, select: ReadonlyArray<string> | undefined, entity = false): string =>
  `${graphRoot}/$metadata#${entitySet}${select ? `(${select.join(",")})` : ""}${entity ? "/$entity" : ""}`
