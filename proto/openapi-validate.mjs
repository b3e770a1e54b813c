// Validates an OpenAPI document with @seriousme/openapi-schema-validator (the official
// OpenAPI 3.0/3.1 JSON Schemas): `node openapi-validate.mjs FILE`. Exit 0 when valid; otherwise
// the errors on stderr and exit 1. Used by the tests of /openapi.json.
import { Validator } from "@seriousme/openapi-schema-validator";
import { readFileSync } from "node:fs";

const file = process.argv[2];
const validator = new Validator();
const result = await validator.validate(JSON.parse(readFileSync(file, "utf8")));
if (!result.valid) {
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
console.log(`valid OpenAPI ${validator.version}`);
