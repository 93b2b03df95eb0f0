/**
 * The resource-unit cost of one Graph identity request (spec graph-and-identity.md §5, "Identity and
 * access limits", from throttling-limits.md@e62a3c1): a base cost per operation, then the query-option
 * modifiers, never below 1. Pure, so the throttle and its tests share one definition.
 */
export interface CostedRequest {
  readonly method: string
  /** Path below `/v1.0`, e.g. `/groups/{id}/members` (no query). */
  readonly path: string
  readonly query: URLSearchParams
}

// spec §5 "Base costs". Any other identity GET costs 1. The spec lists no other method; the sandbox
// charges 1 for those too (choice; the same doc table gives 1 for POST/PATCH/PUT/DELETE elsewhere).
// "Costs for `me/…` also apply to `users/{id}/…`": none of these is a `me/` path, so nothing to map.
const baseCosts: ReadonlyArray<readonly [method: string, path: RegExp, cost: number]> = [
  ["GET", /^\/users$/i, 2],
  ["GET", /^\/groups\/[^/]+\/members$/i, 3],
  ["GET", /^\/groups\/[^/]+\/transitiveMembers$/i, 5],
  ["POST", /^\/directoryObjects\/getByIds$/i, 3]
]

/** spec §5: the base cost of `method path`; 1 for anything the table does not name. */
export const baseCost = (method: string, path: string): number => {
  const verb = method.toUpperCase()
  const p = path.replace(/\/+$/, "")
  return baseCosts.find(([wanted, pattern]) => wanted === verb && pattern.test(p))?.[2] ?? 1
}

/**
 * spec §5 "Cost modifiers": `$select` −1, `$expand` +1, `$top` below 20 −1, minimum 1. The options are
 * recognised by the names the sandbox's query parser honours (`$select`, not `select`).
 */
export const resourceUnitCost = (request: CostedRequest): number => {
  let cost = baseCost(request.method, request.path)
  if (request.query.has("$select")) cost--
  if (request.query.has("$expand")) cost++
  const top = request.query.get("$top")
  if (top !== null && top.trim() !== "" && Number(top) < 20) cost--
  return Math.max(1, cost)
}
