import { isEmail } from "./Email.ts"

// spec: exchange-admin-rest.md §1.4: callers may send the header with the prefix the adapter adds.
const ADDRESS_PREFIX = /^(?:UPN|SMTP):/i

const bareAddress = (candidate: string | undefined): string | undefined => {
  const address = candidate?.trim().replace(ADDRESS_PREFIX, "").trim()
  return address !== undefined && isEmail(address) ? address : undefined
}

/**
 * The mailbox that routes an Exchange request (`X-AnchorMailbox`), as a bare address, by the seed's
 * priority: the request header, ADMIN_ANCHOR_MAILBOX, the first owner, the DL's primary address,
 * then `postmaster@{customDomain}`. Blank or malformed candidates are skipped (so the first *valid*
 * owner counts); a header in another form (`APP:…`, `MBX:…`) is not an address and is skipped too.
 */
export const chooseAnchor = (input: {
  readonly header?: string | undefined
  readonly adminAnchor?: string | undefined
  readonly owners: ReadonlyArray<string>
  readonly dlAddress?: string | undefined
  readonly customDomain: string
}): string => {
  for (const candidate of [input.header, input.adminAnchor]) {
    const address = bareAddress(candidate)
    if (address !== undefined) return address
  }
  for (const owner of input.owners) {
    const address = bareAddress(owner)
    if (address !== undefined) return address
  }
  return bareAddress(input.dlAddress) ?? `postmaster@${input.customDomain.trim()}`
}
