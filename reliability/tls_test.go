package reliability_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testserver"
	"github.com/aiodb/aiodb/orm"
)

// testCA is a certificate authority made by a test, and a server
// certificate it signed for 127.0.0.1.
type testCA struct {
	caPEM, certPEM, keyPEM []byte
}

// newTestCA makes a self-signed CA and a server certificate for the IP
// 127.0.0.1 (and the name localhost), valid for one hour.
func newTestCA(t testing.TB, name string) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " test CA"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
}

// relTLSRow is what the TLS test reads of its own session.
type relTLSRow struct {
	SSL     bool   `db:"ssl,pk"`
	Version string `db:"version"`
}

func (relTLSRow) TableName() string { return "pg_stat_ssl" }

// TestTLS runs aiopg and aiopgx over TLS to the test's own PostgreSQL
// (ssl=on, a certificate made by the test for 127.0.0.1), verifying the
// server with sslmode=verify-full: every session is encrypted; a query,
// a write and a transaction work; a statement cancelled by its deadline
// (lib/pq's cancel request goes over its own TLS connection) returns the
// context's error; a session killed mid-query fails its call at once; an
// idle pooled session killed by the server is replaced before the next
// call; a server whose certificate another CA signed is refused with an
// x509 error, promptly. The pool is whole after each.
func TestTLS(t *testing.T) {
	ca := newTestCA(t, "aiodb")
	p := testserver.StartPostgres(t, &testserver.PostgresOptions{
		Settings: []string{"ssl=on", "ssl_cert_file=server.crt", "ssl_key_file=server.key"},
		Files:    map[string][]byte{"server.crt": ca.certPEM, "server.key": ca.keyPEM},
	})
	dir := t.TempDir()
	rootCert := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(rootCert, ca.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	other := newTestCA(t, "other")
	otherCert := filepath.Join(dir, "other-ca.crt")
	if err := os.WriteFile(otherCert, other.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := func(root string) string {
		return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=verify-full&sslrootcert=%s", p.Addr(), root)
	}
	for _, base := range []server{pgServer, pgxServer} {
		s := base
		s.dsn = func(testing.TB) string { return dsn(rootCert) }
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 4)
			bg := aio.Async(context.Background())
			ctx, cancel := context.WithTimeout(bg, 30*time.Second)
			defer cancel()
			row, err := orm.MustModel[relTLSRow](db).Raw("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").One(ctx)
			if err != nil || !row.SSL || !strings.HasPrefix(row.Version, "TLS") {
				t.Fatalf("%s: the session is not encrypted: %+v (%v)", s.name, row, err)
			}
			t.Logf("%s: session over %s", s.name, row.Version)

			items := orm.MustModel[relCancelItem](db)
			if err := items.CreateTable(bg, true); err != nil {
				t.Fatal(err)
			}
			tag := "tls-" + s.name
			if err := db.Atomic(ctx, func(ctx context.Context) error {
				for range 3 {
					if _, err := items.Create(ctx, &relCancelItem{Tag: tag}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatalf("%s: transaction over TLS: %v", s.name, err)
			}
			if n, err := items.Count(ctx, orm.Eq("tag", tag)); err != nil || n != 3 {
				t.Errorf("%s: %d rows after the transaction (%v); want 3", s.name, n, err)
			}

			// A deadline mid-statement.
			dctx, dcancel := context.WithTimeout(bg, 300*time.Millisecond)
			start := time.Now()
			_, err = orm.MustModel[relRow](db).Raw("SELECT pg_sleep(10) AS pad").IgnoreUnknownColumns().All(dctx)
			dcancel()
			if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 3*time.Second {
				t.Errorf("%s: a statement over TLS cancelled by its 300ms deadline: %v after %v", s.name, err, took)
			}
			next(t, s, db)

			// A session killed mid-query, then one killed while idle.
			admin := s.admin(t)
			conn, err := db.SQLDB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			id := s.sessionID(ctx, t, conn)
			done := make(chan error, 1)
			go func() {
				_, err := conn.ExecContext(ctx, "SELECT pg_sleep(10) /* rel_tls_kill */")
				done <- err
			}()
			s.killWhenRunning(t, admin, id, "rel_tls_kill")
			select {
			case err := <-done:
				if err == nil {
					t.Errorf("%s: a statement whose session was killed succeeded", s.name)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: a statement whose TLS session was killed did not return in 5s", s.name)
			}
			conn.Close()
			next(t, s, db)

			one := s.open(t, 1)
			idle := s.sessionID(ctx, t, one.SQLDB())
			s.killSession(t, admin, idle)
			time.Sleep(1100 * time.Millisecond) // the server closes the socket; pgx pings after 1 s idle
			got, err := aio.Await(ctx, orm.MustModel[relRow](one).Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
			if err != nil {
				t.Errorf("%s: the call after the idle TLS session was killed: %v; want a new session", s.name, err)
			} else if got.Pid == idle {
				t.Errorf("%s: the pool still uses killed session %d", s.name, idle)
			}
			waitIdle(t, s.name, one.SQLDB())
		})
		t.Run(s.name+"/wrong-ca", func(t *testing.T) {
			s.dsn = func(testing.TB) string { return dsn(otherCert) }
			db := s.open(t, 2)
			ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, err := orm.MustModel[relRow](db).Raw("SELECT 1 AS n").IgnoreUnknownColumns().One(ctx)
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) && (err == nil || !strings.Contains(err.Error(), "x509")) {
				t.Errorf("%s: a server certificate from another CA: %v; want an x509 verification error", s.name, err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("%s: the refusal took %v", s.name, took)
			}
			waitIdle(t, s.name, db.SQLDB())
		})
	}
}
