-- add field: add column mig_golden_pages.title
ALTER TABLE "mig_golden_pages" ADD COLUMN "title" TEXT NOT NULL DEFAULT 'untitled';

-- add field null: add column mig_golden_pages.body
ALTER TABLE "mig_golden_pages" ADD COLUMN "body" TEXT;

-- add field sized unique: add column mig_golden_pages.slug
ALTER TABLE "mig_golden_pages" ADD COLUMN "slug" VARCHAR(80) NOT NULL;

-- add column by hand: add column pages.views
ALTER TABLE "pages" ADD COLUMN "views" BIGINT NOT NULL DEFAULT 0;

-- add column null: add column pages.note
ALTER TABLE "pages" ADD COLUMN "note" TEXT;

-- drop column: drop column pages.body
DROP VIEW "long_pages";
CREATE TABLE "aiodb_new_pages" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "slug" VARCHAR(80) NOT NULL, "title" TEXT NOT NULL DEFAULT 'untitled', "n" INTEGER NULL CHECK (n >= 0), CONSTRAINT "pages_slug_key" UNIQUE ("slug"));
INSERT INTO "aiodb_new_pages" ("id", "slug", "title", "n") SELECT "id", "slug", "title", "n" FROM "pages";
DROP TABLE "pages";
ALTER TABLE "aiodb_new_pages" RENAME TO "pages";
CREATE INDEX "pages_title_idx" ON "pages" ("title");
CREATE TRIGGER pages_touch AFTER UPDATE ON pages BEGIN SELECT 1; END;
CREATE VIEW long_pages AS SELECT * FROM pages WHERE n > 10;

-- drop plain column: drop column pages.extra
ALTER TABLE "pages" DROP COLUMN "extra";

-- rename column: rename column pages.title to headline
ALTER TABLE "pages" RENAME COLUMN "title" TO "headline";

-- rename table: rename table pages to articles
ALTER TABLE "pages" RENAME TO "articles";

-- add index: add index pages_title_idx on pages (title)
CREATE INDEX "pages_title_idx" ON "pages" ("title");

-- add unique multi: add unique index pages_slug_title_key on pages (slug, title)
CREATE UNIQUE INDEX "pages_slug_title_key" ON "pages" ("slug", "title");

-- add partial: add index pages_live_idx on pages (slug) where body IS NOT NULL
CREATE INDEX "pages_live_idx" ON "pages" ("slug") WHERE body IS NOT NULL;

-- model index: add index mig_golden_pages_rank_idx on mig_golden_pages (rank)
CREATE INDEX "mig_golden_pages_rank_idx" ON "mig_golden_pages" ("rank");

-- drop index: drop index pages_title_idx on pages
DROP INDEX "pages_title_idx";

-- set not null: set not null pages.body
DROP VIEW "long_pages";
CREATE TABLE "aiodb_new_pages" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "slug" VARCHAR(80) NOT NULL, "title" TEXT NOT NULL DEFAULT 'untitled', "body" TEXT NOT NULL, "n" INTEGER NULL CHECK (n >= 0), CONSTRAINT "pages_slug_key" UNIQUE ("slug"));
INSERT INTO "aiodb_new_pages" ("id", "slug", "title", "body", "n") SELECT "id", "slug", "title", "body", "n" FROM "pages";
DROP TABLE "pages";
ALTER TABLE "aiodb_new_pages" RENAME TO "pages";
CREATE INDEX "pages_title_idx" ON "pages" ("title");
CREATE INDEX "pages_body_n_idx" ON "pages" ("body", "n") WHERE "n" > 0;
CREATE TRIGGER pages_touch AFTER UPDATE ON pages BEGIN SELECT 1; END;
CREATE VIEW long_pages AS SELECT * FROM pages WHERE n > 10;

-- drop not null: drop not null pages.title
DROP VIEW "long_pages";
CREATE TABLE "aiodb_new_pages" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "slug" VARCHAR(80) NOT NULL, "title" TEXT DEFAULT 'untitled', "body" TEXT, "n" INTEGER NULL CHECK (n >= 0), CONSTRAINT "pages_slug_key" UNIQUE ("slug"));
INSERT INTO "aiodb_new_pages" ("id", "slug", "title", "body", "n") SELECT "id", "slug", "title", "body", "n" FROM "pages";
DROP TABLE "pages";
ALTER TABLE "aiodb_new_pages" RENAME TO "pages";
CREATE INDEX "pages_title_idx" ON "pages" ("title");
CREATE INDEX "pages_body_n_idx" ON "pages" ("body", "n") WHERE "n" > 0;
CREATE TRIGGER pages_touch AFTER UPDATE ON pages BEGIN SELECT 1; END;
CREATE VIEW long_pages AS SELECT * FROM pages WHERE n > 10;

-- alter type: alter type pages.title to VARCHAR(300)
DROP VIEW "long_pages";
CREATE TABLE "aiodb_new_pages" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "slug" VARCHAR(80) NOT NULL, "title" VARCHAR(300) NOT NULL DEFAULT 'untitled', "body" TEXT, "n" INTEGER NULL CHECK (n >= 0), CONSTRAINT "pages_slug_key" UNIQUE ("slug"));
INSERT INTO "aiodb_new_pages" ("id", "slug", "title", "body", "n") SELECT "id", "slug", "title", "body", "n" FROM "pages";
DROP TABLE "pages";
ALTER TABLE "aiodb_new_pages" RENAME TO "pages";
CREATE INDEX "pages_title_idx" ON "pages" ("title");
CREATE INDEX "pages_body_n_idx" ON "pages" ("body", "n") WHERE "n" > 0;
CREATE TRIGGER pages_touch AFTER UPDATE ON pages BEGIN SELECT 1; END;
CREATE VIEW long_pages AS SELECT * FROM pages WHERE n > 10;

-- alter type keeps default and on update: alter type pages.created to TIMESTAMP(6)
ERROR migrate: alter type pages.created to TIMESTAMP(6) on sqlite: no column "created"

-- alter type using: alter type pages.title to INTEGER
ERROR migrate: alter type pages.title to INTEGER on sqlite: USING is PostgreSQL's

-- create table: create table mig_golden_pages
CREATE TABLE "mig_golden_pages" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "slug" VARCHAR(80) NOT NULL, "title" TEXT NOT NULL DEFAULT 'untitled', "body" TEXT, "rank" INTEGER NOT NULL, CONSTRAINT "mig_golden_pages_slug_key" UNIQUE ("slug"));
CREATE INDEX "mig_golden_pages_rank_idx" ON "mig_golden_pages" ("rank");

-- drop table: drop table pages
DROP TABLE IF EXISTS "pages";

-- raw: sql: UPDATE pages SET n = 0;  
UPDATE pages SET n = 0;

-- bad name: rename table pages to a b
ERROR migrate: rename table pages to a b on sqlite: "a b" is not a valid identifier (letters, digits and _, not starting with a digit)

-- unknown field: error: migrate: model migrate.goldenPage has no column "nope"
ERROR migrate: model migrate.goldenPage has no column "nope"

