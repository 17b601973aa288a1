"""The Arena's tables (playground/library/families.py): schema version 5, after the per-visitor
migration 4. Kept apart so db.py can list it without importing the store."""

# version 4 -> 5 (after the per-visitor migration 4): the Arena's families, members, votes, ratings.
# IF NOT EXISTS: the statements are safe whichever position they end up at when branches merge.
ARENA_SCHEMA = """
CREATE TABLE IF NOT EXISTS arena_families (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    sample_hash TEXT NOT NULL,
    transcript TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    UNIQUE (owner, sample_hash)
);
CREATE TABLE IF NOT EXISTS arena_members (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES arena_families(id) ON DELETE CASCADE,
    entrant TEXT NOT NULL,
    scope TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT,
    voice_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (family_id, entrant, scope)
);
CREATE TABLE IF NOT EXISTS arena_votes (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES arena_families(id) ON DELETE CASCADE,
    script TEXT NOT NULL DEFAULT '',
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    winner TEXT NOT NULL CHECK (winner IN ('a', 'b', 'tie')),
    a_similarity REAL,
    b_similarity REAL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS arena_ratings (
    family_id INTEGER NOT NULL REFERENCES arena_families(id) ON DELETE CASCADE,
    entrant TEXT NOT NULL,
    rating REAL NOT NULL,
    votes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (family_id, entrant)
);
CREATE INDEX IF NOT EXISTS arena_votes_family ON arena_votes (family_id, created_at)
"""
