// Package schema holds what aiodb knows of a model's Go struct: its
// table, columns, keys, indexes and relations (Of), read from db and rel
// tags once per type and shared by every DB.
//
// # Field access
//
// Rows are read and written through a model's address (Ptr) and each
// field's offset, without reflection on the hot path: Field.Value gives a
// bind argument, Field.Dest a Scan destination, and a Plan maps a
// result's columns to fields so that Dests.Set fills rows.Scan's
// arguments for a whole row. Every use of package unsafe in aiodb's ORM
// is in this package.
//
// # Tags
//
// db:"name,pk,auto,unique,unique:group,index,index:group,null,size:N,
// default:SQL,type:SQL,fk:table[.column],ondelete:ACTION" or db:"-";
// rel:"column" marks a relation field (see Relation). Errors name the
// model, the field and the tag.
//
// Package orm re-exports Table, Field, ForeignKey, Index and Relation;
// user code rarely imports schema itself.
package schema
