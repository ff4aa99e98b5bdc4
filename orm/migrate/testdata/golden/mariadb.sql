-- add field: add column mig_golden_pages.title
ALTER TABLE `mig_golden_pages` ADD COLUMN `title` LONGTEXT NOT NULL DEFAULT 'untitled';

-- add field null: add column mig_golden_pages.body
ALTER TABLE `mig_golden_pages` ADD COLUMN `body` LONGTEXT;

-- add field sized unique: add column mig_golden_pages.slug
ALTER TABLE `mig_golden_pages` ADD COLUMN `slug` VARCHAR(80) NOT NULL;

-- add column by hand: add column pages.views
ALTER TABLE `pages` ADD COLUMN `views` BIGINT NOT NULL DEFAULT 0;

-- add column null: add column pages.note
ALTER TABLE `pages` ADD COLUMN `note` TEXT;

-- drop column: drop column pages.body
ALTER TABLE `pages` DROP COLUMN `body`;

-- drop plain column: drop column pages.extra
ALTER TABLE `pages` DROP COLUMN `extra`;

-- rename column: rename column pages.title to headline
ALTER TABLE `pages` RENAME COLUMN `title` TO `headline`;

-- rename table: rename table pages to articles
ALTER TABLE `pages` RENAME TO `articles`;

-- add index: add index pages_title_idx on pages (title)
CREATE INDEX `pages_title_idx` ON `pages` (`title`);

-- add unique multi: add unique index pages_slug_title_key on pages (slug, title)
CREATE UNIQUE INDEX `pages_slug_title_key` ON `pages` (`slug`, `title`);

-- add partial: add index pages_live_idx on pages (slug) where body IS NOT NULL
ERROR migrate: add index pages_live_idx on pages (slug) where body IS NOT NULL on mariadb: partial indexes (Where) are not supported

-- model index: add index mig_golden_pages_rank_idx on mig_golden_pages (rank)
CREATE INDEX `mig_golden_pages_rank_idx` ON `mig_golden_pages` (`rank`);

-- drop index: drop index pages_title_idx on pages
DROP INDEX `pages_title_idx` ON `pages`;

-- set not null: set not null pages.body
ALTER TABLE `pages` MODIFY COLUMN `body` longtext NOT NULL;

-- drop not null: drop not null pages.title
ALTER TABLE `pages` MODIFY COLUMN `title` varchar(200) NULL DEFAULT 'untitled';

-- alter type: alter type pages.title to VARCHAR(300)
ALTER TABLE `pages` MODIFY COLUMN `title` VARCHAR(300) NOT NULL DEFAULT 'untitled';

-- alter type keeps default and on update: alter type pages.created to TIMESTAMP(6)
ALTER TABLE `pages` MODIFY COLUMN `created` TIMESTAMP(6) NOT NULL DEFAULT current_timestamp(6) on update CURRENT_TIMESTAMP(6);

-- alter type using: alter type pages.title to INTEGER
ERROR migrate: alter type pages.title to INTEGER on mariadb: USING is PostgreSQL's

-- create table: create table mig_golden_pages
CREATE TABLE `mig_golden_pages` (`id` BIGINT NOT NULL AUTO_INCREMENT, `slug` VARCHAR(80) NOT NULL, `title` LONGTEXT NOT NULL DEFAULT 'untitled', `body` LONGTEXT, `rank` INT NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `mig_golden_pages_slug_key` UNIQUE (`slug`), INDEX `mig_golden_pages_rank_idx` (`rank`)) DEFAULT CHARSET=utf8mb4;

-- drop table: drop table pages
DROP TABLE IF EXISTS `pages`;

-- raw: sql: UPDATE pages SET n = 0;  
UPDATE pages SET n = 0;

-- bad name: rename table pages to a b
ERROR migrate: rename table pages to a b on mariadb: "a b" is not a valid identifier (letters, digits and _, not starting with a digit)

-- unknown field: error: migrate: model migrate.goldenPage has no column "nope"
ERROR migrate: model migrate.goldenPage has no column "nope"

