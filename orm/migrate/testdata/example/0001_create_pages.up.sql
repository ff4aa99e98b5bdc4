-- The pages of the site.
CREATE TABLE pages (
	id INTEGER NOT NULL PRIMARY KEY,
	slug VARCHAR(80) NOT NULL,
	title TEXT
);
INSERT INTO pages (id, slug, title) VALUES (1, 'home', 'Home');
