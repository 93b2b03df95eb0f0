/** A directory object id as Entra, Graph and Exchange's `ExternalDirectoryObjectId` give it: a GUID. */
export const isObjectId = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
