package ormpgx_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// valuesQuery selects a value of each kind whose Go type Maps, Tuples and
// Scalar choose.
const valuesQuery = `SELECT 1::int4 AS i4, 2::int2 AS i2, 3::int8 AS i8,
	1.50::numeric AS num, NULL::numeric AS nnum, 2.5::float4 AS f4, 2.5::float8 AS f8,
	'x'::text AS s, true AS b, '\x0102'::bytea AS by, 5::oid AS o,
	'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u`

// wantValues is what database/sql over pgx gives for valuesQuery.
var wantValues = map[string]any{
	"i4": int64(1), "i2": int64(2), "i8": int64(3),
	"num": "1.50", "nnum": nil, "f4": 2.5, "f8": 2.5,
	"s": "x", "b": true, "by": []byte{1, 2}, "o": int64(5),
	"u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
}

func typesOf(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprintf("%T", v)
	}
	return out
}

// TestScanValues: Maps, Tuples and Scalar on the pgx pool give the types
// database/sql gives (int64 for every integer, float64 for every float, a
// numeric's text, a uuid's text), the same values as the aiopgx driver.
func TestScanValues(t *testing.T) {
	db := openDB(t, "")
	m := createItems(t, db)
	ctx := aio.AllowSync(context.Background())

	maps, err := m.Raw(valuesQuery).Maps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 1 || !reflect.DeepEqual(maps[0], wantValues) {
		t.Errorf("Maps:\n got %v\n     %v\nwant %v\n     %v", maps, typesOf(maps[0]), wantValues, typesOf(wantValues))
	}

	tuples, err := m.Raw("SELECT 7::int4, 8::int2, 9.25::numeric").Tuples(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]any{{int64(7), int64(8), "9.25"}}; !reflect.DeepEqual(tuples, want) {
		t.Errorf("Tuples = %#v, want %#v", tuples, want)
	}

	for q, want := range map[string]any{
		"SELECT 11::int4":        int64(11),
		"SELECT 12::int2":        int64(12),
		"SELECT 13.5::numeric":   "13.5",
		"SELECT NULL::int4":      nil,
		"SELECT 14.5::float4":    14.5,
		"SELECT 'y'::varchar(3)": "y",
	} {
		got, err := m.Raw(q).Scalar(ctx)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Scalar(%s) = %#v (%T), %v; want %#v (%T)", q, got, got, err, want, want)
		}
	}

	// A model's own columns through Select.
	if _, err := m.Create(ctx, &item{Name: "seven", N: 7}); err != nil {
		t.Fatal(err)
	}
	rows, err := m.Select("id", "name", "n").Maps(ctx)
	if err != nil || len(rows) != 1 {
		t.Fatalf("Select.Maps: %v, %v", rows, err)
	}
	if _, ok := rows[0]["n"].(int64); !ok || rows[0]["n"] != int64(7) || rows[0]["name"] != "seven" {
		t.Errorf("Select.Maps row %v (%v)", rows[0], typesOf(rows[0]))
	}
	if _, ok := rows[0]["id"].(int64); !ok {
		t.Errorf("id is %T", rows[0]["id"])
	}
	n, err := m.Select("n").Scalar(ctx)
	if err != nil || n != int64(7) {
		t.Errorf("Select(n).Scalar = %#v (%T), %v", n, n, err)
	}

	// The same on database/sql (aiopgx), for these and the types whose
	// text database/sql reads.
	sqlDB, err := orm.Open("aiopgx", dsnWith(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	for _, q := range []string{valuesQuery, textValuesQuery} {
		mine, err := m.Raw(q).Maps(ctx)
		if err != nil {
			t.Fatal(err)
		}
		other, err := orm.MustModel[item](sqlDB).Raw(q).Maps(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(other, mine) {
			t.Errorf("Maps differ:\npgxpool %v\n        %v\naiopgx  %v\n        %v", mine, typesOf(mine[0]), other, typesOf(other[0]))
		}
	}
}

// textValuesQuery selects values that database/sql reads as text.
const textValuesQuery = `SELECT '{"a": 1}'::jsonb AS j, '{"b":2}'::json AS js, ARRAY[1,NULL,3]::int4[] AS arr,
	ARRAY['x','y z']::text[] AS tarr, int4range(1, 5) AS rng, '1.2.3.4'::inet AS ip, '10.0.0.0/8'::cidr AS net,
	'1 day 02:00'::interval AS iv, '12:00'::time AS tm, '2024-01-02 03:04:05'::timestamp AS ts,
	'2024-01-02'::date AS d, 12.5::money AS mo, ROW(1, 'a') AS rec, 'a=>1'::text AS s`
