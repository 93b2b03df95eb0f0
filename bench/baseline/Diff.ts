/** The seed's membership synchronisation: to_add = target − current, to_remove = current − target (case-insensitive). */
export interface MemberDiff {
  readonly toAdd: ReadonlyArray<string>
  readonly toRemove: ReadonlyArray<string>
}

const key = (address: string) => address.trim().toLowerCase()

export const diffMembers = (current: ReadonlyArray<string>, target: ReadonlyArray<string>): MemberDiff => {
  const currentKeys = new Set(current.map(key))
  const targetKeys = new Set(target.map(key))
  const toAdd: Array<string> = []
  const toRemove: Array<string> = []
  const seen = new Set<string>()
  for (const t of target) {
    const k = key(t)
    if (!currentKeys.has(k) && !seen.has(k)) toAdd.push(t.trim())
    seen.add(k)
  }
  seen.clear()
  for (const c of current) {
    const k = key(c)
    if (!targetKeys.has(k) && !seen.has(k)) toRemove.push(c.trim())
    seen.add(k)
  }
  return { toAdd, toRemove }
}

/** Owners join the member set when OWNERS_AS_MEMBERS is on (the seed's default), without duplicates. */
export const withOwners = (members: ReadonlyArray<string>, owners: ReadonlyArray<string>, ownersAsMembers: boolean): ReadonlyArray<string> => {
  if (!ownersAsMembers) return uniqueAddresses(members)
  return uniqueAddresses([...members, ...owners])
}

export const uniqueAddresses = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const v of values) {
    const k = key(v)
    if (!seen.has(k)) {
      seen.add(k)
      out.push(v.trim())
    }
  }
  return out
}
