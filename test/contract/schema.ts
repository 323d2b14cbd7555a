// Request-body validation against an OpenAPI document, for test fakes.
//
// A fake that accepts whatever the client sends lets client bugs pass silently, so every fake
// runs each request body through the `requestBody` schema of the official document and treats
// any violation as a failure. The adjustments below are opt-in because they encode how a
// particular backend reads JSON, not what JSON Schema says:
//
// - `int64AsString`: Ozon is a grpc-gateway service (its errors are `rpcStatus`/`protobufAny`).
//   The proto3 canonical JSON mapping writes 64-bit integers as decimal strings and accepts a
//   JSON number or a decimal string when reading. Ozon's swagger nevertheless types those fields
//   `type: integer` with `format: int64|uint64`, so such a schema accepts an integer JSON number
//   or a string of digits (range-checked). Bodies may carry `bigint` values for integers a
//   lossless parser could not fit in a double; they count as JSON integers.
// - `rejectUnknownFields`: objects that list `properties` and say nothing about
//   `additionalProperties` reject fields they do not list. The backend would most likely ignore
//   them (grpc-gateway discards unknown fields by default), which is exactly why a fake must not:
//   a misspelt optional field (`fromMessageId`, `chat_status` at the wrong level) silently
//   changes the meaning of a request in production. protojson's lowerCamelCase aliases
//   (`chatId`) are rejected for the same reason: the documented names are the snake_case ones.
//   Objects combined with allOf/anyOf/oneOf are left open, since closing each branch would reject
//   the fields of the other branches.
// - `caseInsensitiveEnums`: string enums match in any letter case. Ozon documents both spellings
//   of the same enum (2026 `enum: [ALL, OPENED, CLOSED]`, while its description and the 2025-09
//   spec say `All`/`Opened`/`Closed`), so a client using either follows official documentation.
// - `extraRules`: constraints the document states only in prose (descriptions), per path.
//
// `null` is not treated as "absent": no schema in these documents is nullable unless it says so.

import { readFileSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv } from "ajv";

export type RequestValidator = (path: string, body: unknown) => string[];

/** A check of one request body; returns readable violations (empty when fine). */
export type ExtraRule = (body: Record<string, unknown>) => string[];

export interface ValidatorOptions {
  /** HTTP method whose `requestBody` is used. Default "post". */
  method?: string;
  int64AsString?: boolean;
  rejectUnknownFields?: boolean;
  caseInsensitiveEnums?: boolean;
  extraRules?: Record<string, ExtraRule>;
}

type JsonObject = Record<string, unknown>;

const PROTO_INT = "x-proto-int";
const ENUM_IGNORE_CASE = "x-enum-ignore-case";
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Integer value of a JSON number, bigint or decimal string; undefined for anything else. */
export function integerValue(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?[0-9]+$/.test(value)) return BigInt(value);
  return undefined;
}

function inProtoRange(kind: string, value: bigint): boolean {
  return kind === "uint64"
    ? value >= 0n && value <= UINT64_MAX
    : value >= INT64_MIN && value <= INT64_MAX;
}

function protoIntValid(kind: string, data: unknown): boolean {
  // Digits-only strings: protojson accepts neither exponent nor fraction inside quotes.
  if (typeof data === "string" && !/^-?[0-9]+$/.test(data)) return false;
  const value = integerValue(data);
  return value !== undefined && inProtoRange(kind, value);
}

// Descriptive keywords may sit next to `$ref`; anything else changes meaning, and draft-07
// ignores siblings of `$ref`, so those nodes are rewritten as allOf to keep both.
const ANNOTATIONS = new Set(["description", "title", "example", "examples", "default"]);

function adaptSchema(schema: unknown, options: ValidatorOptions): unknown {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, adaptSchema(sub, options)]),
      );
    } else if (
      (key === "items" || key === "additionalProperties" || key === "not") &&
      isObject(value)
    ) {
      out[key] = adaptSchema(value, options);
    } else if ((key === "allOf" || key === "anyOf" || key === "oneOf") && Array.isArray(value)) {
      out[key] = value.map((sub) => adaptSchema(sub, options));
    } else if (key === "$ref" && typeof value === "string") {
      out[key] = value.replace(/^#\/components\/schemas\//, "#/definitions/");
    } else {
      out[key] = value;
    }
  }
  if (
    typeof out.$ref === "string" &&
    Object.keys(out).some((k) => k !== "$ref" && !ANNOTATIONS.has(k))
  ) {
    const ref = out.$ref;
    delete out.$ref;
    out.allOf = [...(Array.isArray(out.allOf) ? out.allOf : []), { $ref: ref }];
  }
  if (
    options.int64AsString &&
    out.type === "integer" &&
    (out.format === "int64" || out.format === "uint64")
  ) {
    out[PROTO_INT] = out.format;
    delete out.type;
    delete out.format;
  }
  if (
    options.caseInsensitiveEnums &&
    Array.isArray(out.enum) &&
    out.enum.every((v) => typeof v === "string")
  ) {
    out[ENUM_IGNORE_CASE] = out.enum;
    delete out.enum;
  }
  if (
    options.rejectUnknownFields &&
    isObject(out.properties) &&
    out.additionalProperties === undefined &&
    out.allOf === undefined &&
    out.anyOf === undefined &&
    out.oneOf === undefined
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function toNumbers(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(toNumbers);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNumbers(v)]));
  }
  return value;
}

function show(value: unknown): string {
  const text =
    value === undefined
      ? "undefined"
      : JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  let out = "";
  for (const part of parts) out += /^[0-9]+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  return out || "(body)";
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const where = fieldPath(error.instancePath);
  switch (error.keyword) {
    case "required":
      return `${fieldPath(error.instancePath, String(params.missingProperty))}: required field is missing`;
    case "additionalProperties":
      return `${fieldPath(error.instancePath, String(params.additionalProperty))}: unknown field (the contract does not define it)`;
    case PROTO_INT:
      return `${where}: must be a ${String(error.schema)} (JSON integer or decimal string), got ${show(error.data)}`;
    case ENUM_IGNORE_CASE:
      return `${where}: must be one of ${(error.schema as string[]).join(", ")} (any letter case), got ${show(error.data)}`;
    case "enum":
      return `${where}: must be one of ${(params.allowedValues as unknown[]).map(show).join(", ")}, got ${show(error.data)}`;
    default:
      return `${where}: ${error.message ?? error.keyword}, got ${show(error.data)}`;
  }
}

function pathPattern(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${escaped}$`);
}

/** Compiles every `requestBody` (application/json) of `document` for `options.method`. */
export function createRequestValidator(
  document: unknown,
  options: ValidatorOptions = {},
): RequestValidator {
  if (!isObject(document) || !isObject(document.paths)) {
    throw new Error("not an OpenAPI document: no paths");
  }
  const method = (options.method ?? "post").toLowerCase();
  const components = isObject(document.components) ? document.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const definitions = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [name, adaptSchema(schema, options)]),
  );

  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    verbose: true,
    // Formats such as date-time need ajv-formats; they only describe responses here.
    logger: false,
    formats: {
      uint64: /^[0-9]+$/,
      int64: /^-?[0-9]+$/,
      int32: /^-?[0-9]+$/,
    },
  });
  ajv.addKeyword({ keyword: PROTO_INT, schemaType: "string", validate: protoIntValid });
  ajv.addKeyword({
    keyword: ENUM_IGNORE_CASE,
    type: "string",
    schemaType: "array",
    validate: (allowed: string[], data: string) =>
      allowed.some((v) => v.toLowerCase() === data.toLowerCase()),
  });

  const operations: { template: string; pattern: RegExp; validate?: ValidateFunction }[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    if (!isObject(item) || !isObject(item[method])) continue;
    const requestBody = item[method].requestBody;
    const content = isObject(requestBody) ? requestBody.content : undefined;
    const json = isObject(content) ? content["application/json"] : undefined;
    const schema = isObject(json) ? json.schema : undefined;
    operations.push({
      template,
      pattern: pathPattern(template),
      validate:
        schema === undefined
          ? undefined
          : ajv.compile({ definitions, allOf: [adaptSchema(schema, options)] }),
    });
  }

  return (path, body) => {
    const operation =
      operations.find((op) => op.template === path) ??
      operations.find((op) => op.pattern.test(path));
    if (operation === undefined) {
      return [`${method.toUpperCase()} ${path}: no such operation in the contract`];
    }
    if (body === undefined) return ["(body): request body is required"];
    const violations: string[] = [];
    const data = options.int64AsString ? body : toNumbers(body);
    if (operation.validate !== undefined && !operation.validate(data)) {
      violations.push(...(operation.validate.errors ?? []).map(describe));
    }
    const rule = options.extraRules?.[operation.template];
    if (rule !== undefined && isObject(body)) violations.push(...rule(body));
    return violations;
  };
}

// --- Ozon -----------------------------------------------------------------------------------

export const OZON_CONTRACT_URL = new URL("./ozon-chat-openapi.json", import.meta.url);

function nonEmpty(body: JsonObject, field: string): string[] {
  // proto3 cannot tell "" from an absent field, so an empty required string is as bad as none.
  return body[field] === "" ? [`${field}: must not be empty`] : [];
}

function limitWithin(body: JsonObject, max: number, quote: string): string[] {
  const value = integerValue(body.limit);
  if (value === undefined || (value >= 1n && value <= BigInt(max))) return [];
  return [`limit: must be between 1 and ${max} (spec: "${quote}"), got ${value}`];
}

/** Constraints the Ozon document states only in descriptions (quoted in the messages). */
export const OZON_PROSE_RULES: Record<string, ExtraRule> = {
  "/v3/chat/list": (body) => limitWithin(body, 100, "Максимальное значение — 100"),
  "/v3/chat/history": (body) => {
    const errors = [
      ...nonEmpty(body, "chat_id"),
      ...limitWithin(body, 1000, "Максимальное значение — 1000"),
    ];
    // Only one spelling is documented for direction (a plain string, not an enum), so the
    // fake holds clients to it rather than guessing what else Ozon might accept.
    if (
      body.direction !== undefined &&
      body.direction !== "Forward" &&
      body.direction !== "Backward"
    ) {
      errors.push(`direction: must be "Forward" or "Backward", got ${show(body.direction)}`);
    }
    if (body.direction === "Forward" && body.from_message_id === undefined) {
      errors.push(
        'from_message_id: required when direction is Forward (spec: "Параметр `from_message_id` обязательный, если `direction = Forward`")',
      );
    }
    return errors;
  },
  "/v1/chat/send/message": (body) => {
    const errors = nonEmpty(body, "chat_id");
    if (typeof body.text === "string") {
      // Ozon counts "characters"; a Go backend counts runes, i.e. code points, not UTF-16 units.
      const length = [...body.text].length;
      if (length < 1 || length > 1000) {
        errors.push(
          `text: must be 1 to 1000 characters (spec: "от 1 до 1000 символов"), got ${length}`,
        );
      }
    }
    return errors;
  },
  "/v1/chat/send/file": (body) => {
    const errors = nonEmpty(body, "chat_id");
    if (typeof body.name === "string" && !/\.[A-Za-z0-9]+$/.test(body.name)) {
      errors.push(
        `name: must be a file name with an extension (spec: "Название файла с расширением"), got ${show(body.name)}`,
      );
    }
    const content = body.base64_content;
    if (typeof content === "string") {
      if (content.startsWith("data:")) {
        errors.push("base64_content: must be bare base64, not a data: URL");
      } else if (
        content === "" ||
        content.length % 4 !== 0 ||
        !/^[A-Za-z0-9+/]+={0,2}$/.test(content)
      ) {
        errors.push("base64_content: must be a non-empty standard base64 string (no line breaks)");
      }
    }
    return errors;
  },
  "/v1/chat/start": (body) => nonEmpty(body, "posting_number"),
  "/v2/chat/read": (body) => nonEmpty(body, "chat_id"),
};

let ozonDocument: unknown;
let ozonValidator: RequestValidator | undefined;
let ozonDocumentedValidator: RequestValidator | undefined;

/** The parsed `ozon-chat-openapi.json` (read once). */
export function ozonContract(): unknown {
  ozonDocument ??= JSON.parse(readFileSync(OZON_CONTRACT_URL, "utf8"));
  return ozonDocument;
}

/** The paths of the chat methods the document describes (all of them POST with a JSON body). */
export function ozonChatPaths(): string[] {
  const document = ozonContract();
  return isObject(document) && isObject(document.paths) ? Object.keys(document.paths) : [];
}

/** Validates a request body for an Ozon chat path against `ozon-chat-openapi.json`. */
export function validateOzonRequest(path: string, body: unknown): string[] {
  ozonValidator ??= createRequestValidator(ozonContract(), {
    int64AsString: true,
    rejectUnknownFields: true,
    caseInsensitiveEnums: true,
    extraRules: OZON_PROSE_RULES,
  });
  return ozonValidator(path, body);
}

/**
 * validateOzonRequest with 64-bit integers read as the document types them: JSON integers only.
 * The fake takes protojson's decimal strings as the backend most likely does; a client is held
 * to the document itself, so a quoted id is a violation here.
 */
export function validateOzonRequestAsDocumented(path: string, body: unknown): string[] {
  ozonDocumentedValidator ??= createRequestValidator(ozonContract(), {
    rejectUnknownFields: true,
    caseInsensitiveEnums: true,
    extraRules: OZON_PROSE_RULES,
  });
  return ozonDocumentedValidator(path, body);
}

// --- Yandex Market --------------------------------------------------------------------------
//
// Yandex is a plain JSON-over-HTTP service (no protobuf mapping) and its ids are small, so the
// document is read as written: an `int64` is a JSON integer, and a decimal string in its place
// is a violation (no `int64AsString`). Unknown body fields and unknown query parameters are
// violations for the reason given for `rejectUnknownFields` above. Query and path parameters are
// strings on the wire; a value is converted to the parameter's declared type only when it is
// written exactly that way (digits for integers), so `limit=1e1` or `chatId=12.0` fail.
// `x-aliases` (pageToken / page_token) are accepted, but naming one parameter twice is not.

export const YANDEX_CONTRACT_URL = new URL("./yandex-chat-openapi.json", import.meta.url);

/** Validates the path and query parameters of one request; returns readable violations. */
export type ParameterValidator = (method: string, path: string, query: URLSearchParams) => string[];

/** One part of a multipart/form-data body, as a validator needs to see it. */
export interface MultipartPartInfo {
  name: string;
  /** From Content-Disposition; undefined when the part is a plain field. */
  filename?: string;
  size: number;
}

/** Validates the parts of a multipart/form-data body against the operation's schema. */
export type MultipartValidator = (path: string, parts: readonly MultipartPartInfo[]) => string[];

function resolveRef(document: JsonObject, value: unknown): unknown {
  if (!isObject(value) || typeof value.$ref !== "string" || !value.$ref.startsWith("#/")) {
    return value;
  }
  let node: unknown = document;
  for (const raw of value.$ref.slice(2).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObject(node) ? node[part] : undefined;
  }
  return resolveRef(document, node);
}

function documentParts(document: unknown): {
  doc: JsonObject;
  paths: JsonObject;
  schemas: JsonObject;
} {
  if (!isObject(document) || !isObject(document.paths)) {
    throw new Error("not an OpenAPI document: no paths");
  }
  const components = isObject(document.components) ? document.components : {};
  return {
    doc: document,
    paths: document.paths,
    schemas: isObject(components.schemas) ? components.schemas : {},
  };
}

interface ParameterSpec {
  name: string;
  location: "path" | "query";
  required: boolean;
  schema: JsonObject;
  aliases: string[];
}

function parameterSpecs(
  doc: JsonObject,
  pathItem: JsonObject,
  operation: JsonObject,
): ParameterSpec[] {
  const specs = new Map<string, ParameterSpec>();
  const lists = [pathItem.parameters, operation.parameters];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const parameter = resolveRef(doc, entry);
      if (!isObject(parameter) || typeof parameter.name !== "string") continue;
      if (parameter.in !== "path" && parameter.in !== "query") continue;
      const aliases = Array.isArray(parameter["x-aliases"])
        ? parameter["x-aliases"].filter((a): a is string => typeof a === "string")
        : [];
      // Operation-level parameters override path-level ones of the same name and location.
      specs.set(`${parameter.in}:${parameter.name}`, {
        name: parameter.name,
        location: parameter.in,
        required: parameter.required === true || parameter.in === "path",
        schema: isObject(parameter.schema) ? parameter.schema : {},
        aliases: aliases.includes(parameter.name) ? aliases : [parameter.name, ...aliases],
      });
    }
  }
  return [...specs.values()];
}

/** A wire string as the JSON value the parameter's schema describes, when written exactly so. */
function parameterValue(text: string, schema: JsonObject): unknown {
  if (schema.type === "integer" && /^-?[0-9]+$/.test(text)) return Number(text);
  if (schema.type === "number" && /^-?[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  if (schema.type === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

function templateMatcher(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
      names.push(name);
      return "([^/]+)";
    })
    .join("");
  return { pattern: new RegExp(`^${source}$`), names };
}

/**
 * Compiles the path and query parameters of every operation in `document`. Query parameters the
 * operation does not declare are violations unless `allowUnknownQuery` is set.
 */
export function createParameterValidator(
  document: unknown,
  options: { allowUnknownQuery?: boolean } = {},
): ParameterValidator {
  const { doc, paths, schemas } = documentParts(document);
  const definitions = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [name, adaptSchema(schema, {})]),
  );
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, logger: false });
  const operations: {
    method: string;
    pattern: RegExp;
    names: string[];
    specs: ParameterSpec[];
    validate: ValidateFunction;
  }[] = [];
  for (const [template, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const { pattern, names } = templateMatcher(template);
    for (const [method, operation] of Object.entries(item)) {
      if (!isObject(operation) || method === "parameters") continue;
      const specs = parameterSpecs(doc, item, operation);
      const group = (location: "path" | "query") => {
        const own = specs.filter((s) => s.location === location);
        return {
          type: "object",
          properties: Object.fromEntries(own.map((s) => [s.name, adaptSchema(s.schema, {})])),
          required: own.filter((s) => s.required).map((s) => s.name),
        };
      };
      operations.push({
        method: method.toUpperCase(),
        pattern,
        names,
        specs,
        validate: ajv.compile({
          definitions,
          type: "object",
          properties: { path: group("path"), query: group("query") },
        }),
      });
    }
  }

  return (method, path, query) => {
    const upper = method.toUpperCase();
    const operation = operations.find((op) => op.method === upper && op.pattern.test(path));
    if (operation === undefined) return [`${upper} ${path}: no such operation in the contract`];
    const violations: string[] = [];
    const pathValues: JsonObject = {};
    const match = operation.pattern.exec(path);
    operation.names.forEach((name, index) => {
      const spec = operation.specs.find((s) => s.location === "path" && s.name === name);
      let text = match?.[index + 1] ?? "";
      try {
        text = decodeURIComponent(text);
      } catch {
        violations.push(`path.${name}: malformed percent-encoding`);
      }
      pathValues[name] = parameterValue(text, spec?.schema ?? {});
    });
    const queryValues: JsonObject = {};
    const seen = new Map<string, string>();
    for (const key of new Set(query.keys())) {
      const spec = operation.specs.find((s) => s.location === "query" && s.aliases.includes(key));
      if (spec === undefined) {
        if (!options.allowUnknownQuery) {
          violations.push(`query.${key}: unknown parameter (the contract does not define it)`);
        }
        continue;
      }
      const values = query.getAll(key);
      const earlier = seen.get(spec.name);
      if (earlier !== undefined) {
        violations.push(`query.${spec.name}: given more than once (as ${earlier} and ${key})`);
        continue;
      }
      if (values.length > 1) {
        violations.push(`query.${spec.name}: given more than once (${values.length} times)`);
        continue;
      }
      seen.set(spec.name, key);
      queryValues[spec.name] = parameterValue(values[0] ?? "", spec.schema);
    }
    if (!operation.validate({ path: pathValues, query: queryValues })) {
      violations.push(...(operation.validate.errors ?? []).map(describe));
    }
    return violations;
  };
}

/**
 * Checks multipart/form-data bodies against the `multipart/form-data` request schemas of
 * `document`: every required property arrives as exactly one part, no undeclared part arrives,
 * and a `format: binary` property is a file part (one with a filename). `extraRules` see an
 * object of part name → `{ filename, size }`.
 */
export function createMultipartValidator(
  document: unknown,
  options: { extraRules?: Record<string, ExtraRule> } = {},
): MultipartValidator {
  const { doc, paths } = documentParts(document);
  const operations: { template: string; pattern: RegExp; schema: JsonObject }[] = [];
  for (const [template, item] of Object.entries(paths)) {
    if (!isObject(item) || !isObject(item.post)) continue;
    const requestBody = resolveRef(doc, item.post.requestBody);
    const content = isObject(requestBody) ? requestBody.content : undefined;
    const multipart = isObject(content) ? content["multipart/form-data"] : undefined;
    const schema = resolveRef(doc, isObject(multipart) ? multipart.schema : undefined);
    if (!isObject(schema)) continue;
    operations.push({ template, pattern: templateMatcher(template).pattern, schema });
  }

  return (path, parts) => {
    const operation = operations.find((op) => op.pattern.test(path));
    if (operation === undefined) return [`POST ${path}: no multipart operation in the contract`];
    const properties = isObject(operation.schema.properties) ? operation.schema.properties : {};
    const required = Array.isArray(operation.schema.required) ? operation.schema.required : [];
    const violations: string[] = [];
    const byName = new Map<string, MultipartPartInfo[]>();
    for (const part of parts) byName.set(part.name, [...(byName.get(part.name) ?? []), part]);
    for (const name of required) {
      if (typeof name === "string" && !byName.has(name)) {
        violations.push(`${name}: required part is missing`);
      }
    }
    for (const [name, list] of byName) {
      const property = resolveRef(doc, properties[name]);
      if (!isObject(property)) {
        violations.push(`${name}: unknown part (the contract does not define it)`);
        continue;
      }
      if (list.length > 1) violations.push(`${name}: must be one part, got ${list.length}`);
      const binary = property.format === "binary";
      for (const part of list) {
        if (binary && (part.filename === undefined || part.filename === "")) {
          violations.push(`${name}: must be a file part (Content-Disposition with a filename)`);
        }
      }
    }
    const rule = options.extraRules?.[operation.template];
    if (rule !== undefined) {
      const fields = Object.fromEntries(
        parts.map((p) => [p.name, { filename: p.filename, size: p.size }] as const),
      );
      violations.push(...rule(fields));
    }
    return violations;
  };
}

export const YANDEX_MAX_MESSAGE_LENGTH = 4096;
// "Максимальный размер файла — 5 Мбайт": read as binary megabytes, the larger reading, so the
// fake never rejects a file the real API could accept on that wording.
export const YANDEX_MAX_FILE_BYTES = 5 * 1024 * 1024;

/** Constraints the Yandex document states only in descriptions (quoted in the messages). */
export const YANDEX_PROSE_RULES: Record<string, ExtraRule> = {
  "/v2/businesses/{businessId}/chats/new": (body) => {
    // Both fields are optional in the schema, yet the request must name its order
    // ("Заказ, для которого нужно создать чат"); `orderId` is the deprecated spelling of the
    // same thing, so sending both is ambiguous and rejected rather than silently reconciled.
    const hasContext = body.context !== undefined;
    const hasOrderId = body.orderId !== undefined;
    if (!hasContext && !hasOrderId) return ["context: required (or the deprecated orderId)"];
    if (hasContext && hasOrderId) return ["orderId: deprecated; send context alone, not both"];
    return [];
  },
  "/v2/businesses/{businessId}/chats/message": (body) => {
    // JSON Schema's maxLength counts code points (ajv checks that); the unit the backend counts
    // is not documented, so this also holds the text to 4096 UTF-16 code units, the stricter
    // reading: text within it passes either way.
    if (typeof body.message !== "string") return [];
    const units = body.message.length;
    return units > YANDEX_MAX_MESSAGE_LENGTH
      ? [`message: at most ${YANDEX_MAX_MESSAGE_LENGTH} UTF-16 code units, got ${units}`]
      : [];
  },
  "/v2/businesses/{businessId}/chats/file/send": (parts) => {
    const file = parts.file;
    const size = isObject(file) && typeof file.size === "number" ? file.size : 0;
    return size > YANDEX_MAX_FILE_BYTES
      ? [
          `file: at most ${YANDEX_MAX_FILE_BYTES} bytes (spec: "Максимальный размер файла — 5 Мбайт"), got ${size}`,
        ]
      : [];
  },
};

let yandexDocument: unknown;
let yandexParameters: ParameterValidator | undefined;
let yandexBodies: RequestValidator | undefined;
let yandexMultipart: MultipartValidator | undefined;
let yandexMultipartPaths: RegExp[] | undefined;

function multipartPatterns(document: unknown): RegExp[] {
  const { doc, paths } = documentParts(document);
  return Object.entries(paths)
    .filter(([, item]) => {
      const requestBody = isObject(item) && isObject(item.post) ? item.post.requestBody : undefined;
      const content = resolveRef(doc, requestBody);
      return (
        isObject(content) && isObject(content.content) && "multipart/form-data" in content.content
      );
    })
    .map(([template]) => templateMatcher(template).pattern);
}

/** The parsed `yandex-chat-openapi.json` (read once). */
export function yandexContract(): unknown {
  yandexDocument ??= JSON.parse(readFileSync(YANDEX_CONTRACT_URL, "utf8"));
  return yandexDocument;
}

export interface YandexRequest {
  method: string;
  /** Actual path, e.g. "/v2/businesses/123/chats". */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when absent); ignored for multipart operations. */
  body?: unknown;
  /** The parts of a multipart/form-data body; undefined when the body is not multipart. */
  parts?: readonly MultipartPartInfo[];
}

/**
 * Validates a Yandex chat request against `yandex-chat-openapi.json`: path and query parameters,
 * then the JSON body (POST operations with an application/json body) or the multipart parts.
 */
export function validateYandexRequest(request: YandexRequest): string[] {
  const document = yandexContract();
  yandexParameters ??= createParameterValidator(document);
  yandexBodies ??= createRequestValidator(document, {
    rejectUnknownFields: true,
    extraRules: YANDEX_PROSE_RULES,
  });
  yandexMultipart ??= createMultipartValidator(document, { extraRules: YANDEX_PROSE_RULES });
  yandexMultipartPaths ??= multipartPatterns(document);
  const violations = yandexParameters(request.method, request.path, request.query);
  if (violations.some((v) => v.endsWith("no such operation in the contract"))) return violations;
  if (request.method.toUpperCase() !== "POST") return violations;
  if (yandexMultipartPaths.some((pattern) => pattern.test(request.path))) {
    if (request.parts === undefined) {
      return [...violations, "(body): must be multipart/form-data with a part named file"];
    }
    return [...violations, ...yandexMultipart(request.path, request.parts)];
  }
  return [...violations, ...yandexBodies(request.path, request.body)];
}
