package schema

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseTag feeds any db:"..." tag to the tag parser and to the schema
// builder. A tag is either rejected with an error that names the model's
// field and quotes the tag, or accepted with options that hold together:
// names that are identifiers, a positive size, auto only with pk, ondelete
// only with fk.
func FuzzParseTag(f *testing.F) {
	for _, s := range []string{
		"", "-", "id,pk,auto", "key,unique,size:40", "text", "name,null,default:'a,b'",
		"price,type:NUMERIC(10,2)", "owner_id,fk:users.id,ondelete:set_null", "x,index:grp",
		"x,unique:u1", "x,auto", "x,ondelete:cascade", "x,size:-1", "x,size:99999999999999999999",
		"1bad", `a"b`, "a`b", "x,type:TEXT; DROP TABLE t", "x,default:", "x,fk:", "x,pk:1",
		"x,type:INT[],null", "x,default:(1,2", "x,default:'", "é,pk", " x , PK ",
	} {
		f.Add(s)
	}
	typStr := reflect.TypeFor[string]()
	f.Fuzz(func(t *testing.T, tag string) {
		o, err := parseTag(tag)
		if err == nil {
			checkTagOpts(t, tag, o)
		}

		typ := reflect.StructOf([]reflect.StructField{{
			Name: "Fz", Type: typStr, Tag: reflect.StructTag(`db:` + strconv.Quote(tag)),
		}})
		tbl := &Table{GoType: typ, Name: "fz_tag", byColumn: map[string]*Field{}}
		var order []*Index
		aerr := tbl.addFields(typ, "", 0, map[string]*Index{}, &order, 0)
		switch {
		case err != nil && aerr == nil:
			t.Fatalf("parseTag(%q) failed (%v) but the schema builder accepted it", tag, err)
		case aerr != nil:
			if !strings.Contains(aerr.Error(), "field Fz") {
				t.Fatalf("tag %q: error does not name the field: %v", tag, aerr)
			}
			if err != nil && !strings.Contains(aerr.Error(), strconv.Quote(tag)) {
				t.Fatalf("tag %q: error does not quote the tag: %v", tag, aerr)
			}
		case o.skip:
			if len(tbl.Fields) != 0 {
				t.Fatalf(`tag "-" made a column: %+v`, tbl.Fields[0])
			}
		default:
			want := o.name
			if want == "" {
				want = "fz"
			}
			if len(tbl.Fields) != 1 || tbl.Fields[0].Column != want || tbl.byColumn[want] != tbl.Fields[0] {
				t.Fatalf("tag %q: fields %+v, want one column %q", tag, tbl.Fields, want)
			}
		}
	})
}

func checkTagOpts(t *testing.T, tag string, o tagOpts) {
	t.Helper()
	if o.skip {
		if tag != "-" {
			t.Fatalf("parseTag(%q) skips the field", tag)
		}
		return
	}
	for what, name := range map[string]string{"column": o.name, "unique group": o.uniqueGroup, "index group": o.indexGroup} {
		if name != "" && !ValidIdent(name) {
			t.Fatalf("parseTag(%q): %s %q is not an identifier", tag, what, name)
		}
		if strings.ContainsAny(name, "\"`'; \t\n()") {
			t.Fatalf("parseTag(%q): %s %q could break out of quoting", tag, what, name)
		}
	}
	if o.size < 0 {
		t.Fatalf("parseTag(%q): negative size %d", tag, o.size)
	}
	if o.auto && !o.pk {
		t.Fatalf("parseTag(%q): auto without pk", tag)
	}
	if o.onDelete != "" && o.fk == "" {
		t.Fatalf("parseTag(%q): ondelete without fk", tag)
	}
	if o.sqlType != "" && strings.ContainsAny(o.sqlType, ";'\"`-/*") {
		t.Fatalf("parseTag(%q): SQL type %q can end the statement or start a comment", tag, o.sqlType)
	}
	if o.fk != "" {
		tbl, col, _ := strings.Cut(o.fk, ".")
		if !ValidIdent(tbl) || (col != "" && !ValidIdent(col)) {
			t.Fatalf("parseTag(%q): fk %q", tag, o.fk)
		}
	}
}
