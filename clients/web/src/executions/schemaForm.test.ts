import { describe, expect, it } from "vitest";
import { fieldsOf, inputOf } from "./schemaForm.js";

const SCHEMA = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1, description: "Who to greet" },
    times: { type: "integer" },
    loud: { type: "boolean" },
    tags: { type: "array" },
    mood: { type: "string", enum: ["happy", "sad"] },
  },
};

describe("input forms from JSON Schema", () => {
  it("ask for each top-level property with its type", () => {
    const fields = fieldsOf(SCHEMA);
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ["name", "string", true],
      ["times", "integer", false],
      ["loud", "boolean", false],
      ["tags", "json", false],
      ["mood", "string", false],
    ]);
    expect(fields[0].description).toBe("Who to greet");
    expect(fields[4].enumValues).toEqual(["happy", "sad"]);
  });

  it("turn filled values into the input, leaving empty optional ones out", () => {
    const fields = fieldsOf(SCHEMA);
    expect(inputOf(fields, { name: "Ada", times: "3", loud: "true", tags: '["a"]', mood: "" })).toEqual({
      name: "Ada",
      times: 3,
      loud: true,
      tags: ["a"],
    });
  });

  it("name the field whose value does not parse", () => {
    const fields = fieldsOf(SCHEMA);
    expect(() => inputOf(fields, { times: "2.5" })).toThrow("times: '2.5' is not an integer");
    expect(() => inputOf(fields, { tags: "[" })).toThrow("tags: not valid JSON");
  });

  it("have no fields without an object schema", () => {
    expect(fieldsOf(undefined)).toEqual([]);
    expect(fieldsOf({ type: "string" })).toEqual([]);
  });
});
