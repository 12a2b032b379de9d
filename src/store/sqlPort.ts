/**
 * How the SQL shared by both databases (operator, alert, retention and verification queries)
 * reaches either: `@name` placeholders (better-sqlite3 reads them as they are; PostgreSQL's
 * through `named`), the rows read, or the number changed.
 */
export interface SqlPort {
  all<R extends object>(sql: string, params?: Record<string, unknown>): Promise<R[]>;
  run(sql: string, params?: Record<string, unknown>): Promise<number>;
}

/** The JSON expressions the migrations index, spelled per database. */
export interface JsonPaths {
  livePlate: string;
  metadataPlate: string;
  paymentIntent: string;
}

export const SQLITE_PATHS: JsonPaths = {
  livePlate: `json_extract(live_json, '$.plate')`,
  metadataPlate: `json_extract(session_json, '$.metadata.plate')`,
  paymentIntent: `json_extract(session_json, '$.paymentIntentId')`,
};

export const POSTGRES_PATHS: JsonPaths = {
  livePlate: `((live_json::jsonb) ->> 'plate')`,
  metadataPlate: `((session_json::jsonb) -> 'metadata' ->> 'plate')`,
  paymentIntent: `((session_json::jsonb) ->> 'paymentIntentId')`,
};
