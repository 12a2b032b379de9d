/** What a replay run goes through: its times are Unix seconds (the caller reads the operator's). */
export type Selector =
  | { kind: 'sessions'; ids: string[] }
  | { kind: 'events'; ids: string[] }
  | { kind: 'window'; since: number; until: number }
  | { kind: 'failed' };
