DROP INDEX pages_slug_key;
