import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/** One input field a JSON Schema asks for. */
export interface FormField {
  name: string;
  type: "string" | "number" | "integer" | "boolean" | "json";
  required: boolean;
  description?: string;
  enumValues?: string[];
}

/**
 * The fields of a form for an object schema's top-level properties; a property whose type is not a
 * scalar (an object, an array, or none) is a JSON field. No schema or a non-object one: no fields
 * (the form then takes the whole input as JSON).
 */
export function fieldsOf(schema: JsonObject | undefined): FormField[] {
  if (!schema || schema.type !== "object" || typeof schema.properties !== "object" || !schema.properties) {
    return [];
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(schema.properties as Record<string, JsonValue>).map(([name, raw]) => {
    const property = (raw ?? {}) as JsonObject;
    const type = property.type;
    const scalar = type === "string" || type === "number" || type === "integer" || type === "boolean";
    return {
      name,
      type: scalar ? (type as FormField["type"]) : "json",
      required: required.has(name),
      description: typeof property.description === "string" ? property.description : undefined,
      enumValues: Array.isArray(property.enum) ? property.enum.map(String) : undefined,
    };
  });
}

/**
 * The input object of filled-in form values; an empty optional field is left out. A value that
 * does not parse as its type throws with the field's name (the server checks the schema itself).
 */
export function inputOf(fields: FormField[], values: Record<string, string>): JsonObject {
  const input: JsonObject = {};
  for (const field of fields) {
    const raw = values[field.name] ?? "";
    if (raw === "" && field.type !== "boolean") {
      continue;
    }
    switch (field.type) {
      case "string":
        input[field.name] = raw;
        break;
      case "number":
      case "integer": {
        const n = Number(raw);
        if (Number.isNaN(n) || (field.type === "integer" && !Number.isInteger(n))) {
          throw new Error(`${field.name}: '${raw}' is not ${field.type === "integer" ? "an integer" : "a number"}`);
        }
        input[field.name] = n;
        break;
      }
      case "boolean":
        if (raw !== "") {
          input[field.name] = raw === "true";
        }
        break;
      case "json":
        try {
          input[field.name] = JSON.parse(raw) as JsonValue;
        } catch {
          throw new Error(`${field.name}: not valid JSON`);
        }
        break;
    }
  }
  return input;
}
