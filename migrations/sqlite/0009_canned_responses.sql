-- Canned responses: shared replies per language that agents insert and supervisors keep.
-- A title names one reply per language.
CREATE TABLE canned_responses (
    id TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX canned_responses_title ON canned_responses(lang, title);
