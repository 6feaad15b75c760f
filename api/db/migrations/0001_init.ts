/** 0001: API keys, tasks and idempotency records. */
export default /* sql */ `
create table api_keys (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 100),
  -- SHA-256 of the full key; the key itself is never stored.
  key_hash bytea not null unique,
  -- First characters of the key, to recognise it in listings.
  prefix text not null,
  scopes text[] not null check (scopes <@ array['read', 'write']::text[] and cardinality(scopes) > 0),
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

create table tasks (
  id uuid primary key default gen_random_uuid(),
  title text not null check (char_length(title) between 1 and 200),
  description text check (char_length(description) <= 2000),
  status text not null default 'todo' check (status in ('todo', 'in_progress', 'done')),
  priority text not null default 'medium' check (priority in ('low', 'medium', 'high')),
  due_date timestamptz(3),
  -- Millisecond precision so the value round-trips exactly through a JavaScript Date (pagination cursors).
  created_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now(),
  version integer not null default 1 check (version > 0)
);

-- Keyset pagination: (created_at, id) is the list order, with and without a status filter.
create index tasks_created_at_id_idx on tasks (created_at, id);
create index tasks_status_created_at_id_idx on tasks (status, created_at, id);

create table idempotency_keys (
  api_key_id uuid not null references api_keys (id) on delete cascade,
  key text not null,
  request_hash text not null,
  status_code integer not null,
  -- The exact bytes first sent, so a replay is byte-for-byte identical.
  response_body text not null,
  etag text,
  location text,
  created_at timestamptz not null default now(),
  primary key (api_key_id, key)
);
create index idempotency_keys_created_at_idx on idempotency_keys (created_at);
`;
