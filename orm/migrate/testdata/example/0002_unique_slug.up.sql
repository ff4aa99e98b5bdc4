CREATE UNIQUE INDEX pages_slug_key ON pages (slug);
