import { normalizeEmail, uniqueEmails } from "./Email.ts"

/** The members a DL should have: its members, plus its owners when OWNERS_AS_MEMBERS is on; first spelling wins. */
export const targetMembers = (input: {
  readonly members: ReadonlyArray<string>
  readonly owners: ReadonlyArray<string>
  readonly ownersAsMembers: boolean
}): ReadonlyArray<string> => uniqueEmails(input.ownersAsMembers ? [...input.members, ...input.owners] : input.members)

/**
 * What to change so that `current` becomes `target`, comparing addresses case-insensitively.
 * Both lists keep the order (and first spelling) of their source; linear in the sizes of both.
 */
export const diffMembers = (
  current: ReadonlyArray<string>,
  target: ReadonlyArray<string>
): { readonly toAdd: ReadonlyArray<string>; readonly toRemove: ReadonlyArray<string> } => {
  const currentKeys = new Set(current.map(normalizeEmail))
  const targetKeys = new Set(target.map(normalizeEmail))
  return {
    toAdd: uniqueEmails(target).filter((address) => !currentKeys.has(normalizeEmail(address))),
    toRemove: uniqueEmails(current).filter((address) => !targetKeys.has(normalizeEmail(address)))
  }
}
