/** Request validation with zod, turned into 400 `validation_failed` with one `{field, message}` per problem. */
import type { Context } from 'hono';
import { z } from 'zod';
import { HttpProblem, ValidationError, type FieldError } from './problems.js';

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: base ? `${base}.${key}` : key,
        message: 'is not a known field',
      }));
    }
    return [{ field: base, message: issue.message }];
  });
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(fieldErrors(result.error));
  return result.data;
}

/** Reads a JSON body (an empty body counts as `{}`) and validates it. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== '') {
    const type = c.req.header('content-type') ?? '';
    if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      throw new HttpProblem('unsupported_media_type', 'send the body as application/json');
    }
    try {
      body = JSON.parse(text);
    } catch {
      throw new ValidationError([{ field: '', message: 'the body is not valid JSON' }]);
    }
  }
  return parse(schema, body);
}

export function readQuery<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  return parse(schema, c.req.query());
}

const uuid = z.uuid();

/** Path ids are UUIDs; anything else cannot name a resource, so it is a 404 like an unknown id. */
export function pathId(c: Context, name: string, what: string): string {
  const id = c.req.param(name) ?? '';
  if (!uuid.safeParse(id).success) throw new HttpProblem('not_found', `${what} not found`);
  return id.toLowerCase();
}

/** Paging of listings: `?limit=` (default 50, at most 200) and an opaque `?cursor=`. */
export const paging = {
  limit: z.coerce.number().int('must be an integer').min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
};

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.output<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError([{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
  }
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new ValidationError([{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
  return result.data;
}
