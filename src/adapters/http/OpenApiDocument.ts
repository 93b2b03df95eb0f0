// The OpenAPI generator declares every object closed (`additionalProperties: false`) and every optional
// field non-null, which is stricter than what the service takes: unknown fields in a request body are
// ignored, and `null` on an optional field counts as absent (Body.ts), as under the seed's Pydantic models.
// A client or gateway validating against the document must not refuse requests the service accepts.

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)

/** A request body's schema as the service reads it: open to unknown fields, optional fields nullable. */
const asRead = (schema: JsonObject): JsonObject => {
  if (schema["type"] !== "object" || !isObject(schema["properties"])) return schema
  const required = new Set(Array.isArray(schema["required"]) ? schema["required"] : [])
  const properties = Object.fromEntries(
    Object.entries(schema["properties"]).map(([key, property]) =>
      [key, required.has(key) ? property : { anyOf: [property, { type: "null" }] }]
    )
  )
  const { additionalProperties: _closed, ...open } = schema
  return { ...open, properties }
}

const COMPONENT = "#/components/schemas/"

/** `OpenApi.Transform` for the API: the request bodies described as the service reads them. */
export const describeBodiesAsRead = (spec: Record<string, any>): Record<string, any> => {
  const components: JsonObject = spec["components"]?.["schemas"] ?? {}
  for (const operations of Object.values(spec["paths"] ?? {})) {
    if (!isObject(operations)) continue
    for (const operation of Object.values(operations)) {
      const content = isObject(operation) ? (operation["requestBody"] as any)?.content?.["application/json"] : undefined
      if (!isObject(content) || !isObject(content["schema"])) continue
      const ref = content["schema"]["$ref"]
      const name = typeof ref === "string" && ref.startsWith(COMPONENT) ? ref.slice(COMPONENT.length) : undefined
      if (name === undefined) content["schema"] = asRead(content["schema"])
      else if (isObject(components[name])) components[name] = asRead(components[name])
    }
  }
  return spec
}
