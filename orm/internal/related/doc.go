// Package related loads the rows that relation fields (rel:"..." tags,
// schema.Relation) point to, for orm's Prefetch and Fetch: one statement
// per relation level, keys bound as one array where the dialect binds
// arrays (key = ANY($1)) and in IN lists within its parameter limit
// elsewhere. It runs statements through orm's DB (Runner), so the
// context's transaction, the guard and the hooks apply as to any query.
//
// It also finds a row's dependents for a recursive delete (Dependents):
// the rows of every loaded model whose foreign keys point at it, level by
// level, and writes the statement that frees the row from each.
package related
