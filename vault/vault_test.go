package vault_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"precinct/vault"
)

func mustVault(t *testing.T, spec string) *vault.Vault {
	t.Helper()
	v, err := vault.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func key(t *testing.T, kind, id string) string {
	t.Helper()
	k, err := vault.NewKey(kind, id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	spec, err := vault.Generate("k1")
	if err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, spec)
	const id = "50011419900101123X"
	s1, err := v.Seal("id_number", id)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := v.Seal("id_number", id)
	if s1 == s2 {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if strings.Contains(s1, id) || strings.Contains(s1, "1990") {
		t.Errorf("sealed value shows the clear text: %s", s1)
	}
	if !strings.HasPrefix(s1, "k1.") {
		t.Errorf("sealed value %q does not name its key", s1)
	}
	got, err := v.Open("id_number", s1)
	if err != nil || got != id {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Bound to its field: an ID number does not open as a phone.
	if _, err := v.Open("phone", s1); err == nil {
		t.Error("a value sealed for id_number opened as phone")
	}
	// Tampering is detected.
	b := []byte(s1)
	b[len(b)-3] ^= 1
	if _, err := v.Open("id_number", string(b)); err == nil {
		t.Error("a damaged value opened")
	}
	for _, bad := range []string{"nodot", "k1.!!!", "k1.", "zz.AAAA"} {
		if _, err := v.Open("id_number", bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	if s, _ := v.Seal("phone", ""); s != "" {
		t.Errorf("empty value sealed to %q", s)
	}
}

func TestHash(t *testing.T) {
	a := mustVault(t, key(t, "enc", "e1")+"\n"+key(t, "mac", "m1"))
	b := mustVault(t, key(t, "enc", "e1")+"\n"+key(t, "mac", "m1"))
	if a.Hash("phone", "13800000001") != a.Hash("phone", "13800000001") {
		t.Error("hash is not deterministic")
	}
	if a.Hash("phone", "13800000001") == a.Hash("phone", "13800000002") {
		t.Error("different values hash alike")
	}
	if a.Hash("phone", "13800000001") == a.Hash("id_number", "13800000001") {
		t.Error("the field is not part of the hash")
	}
	if a.Hash("phone", "13800000001") == b.Hash("phone", "13800000001") {
		t.Error("the hash does not depend on the key")
	}
	if h := a.Hash("phone", "13800000001"); strings.Contains(h, "13800000001") || !strings.HasPrefix(h, "m1.") {
		t.Errorf("hash %q", h)
	}
}

// TestRotation is the documented rotation: a new key goes in front, old
// values still open and still are found, Reseal moves them to the new keys,
// and then the old keys can go.
func TestRotation(t *testing.T) {
	oldEnc, oldMac := key(t, "enc", "2025"), key(t, "mac", "2025")
	before := mustVault(t, oldEnc+"\n"+oldMac)
	const phone = "13912345678"
	sealed, _ := before.Seal("phone", phone)
	hash := before.Hash("phone", phone)

	newEnc, newMac := key(t, "enc", "2026"), key(t, "mac", "2026")
	during := mustVault(t, newEnc+"\n"+newMac+"\n"+oldEnc+"\n"+oldMac)
	if got, err := during.Open("phone", sealed); err != nil || got != phone {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	if !contains(during.Hashes("phone", phone), hash) {
		t.Error("a search after rotation does not find the old hash")
	}
	if during.Current(sealed, hash) {
		t.Error("an old value counts as current")
	}
	s2, h2, err := during.Reseal("phone", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !during.Current(s2, h2) || !strings.HasPrefix(s2, "2026.") {
		t.Errorf("resealed %q %q not under the new keys", s2, h2)
	}
	after := mustVault(t, newEnc+"\n"+newMac)
	if got, err := after.Open("phone", s2); err != nil || got != phone {
		t.Fatalf("resealed value without the old key: %q, %v", got, err)
	}
	if after.Hash("phone", phone) != h2 {
		t.Error("rehashed value is not found with the new key alone")
	}
	if _, err := after.Open("phone", sealed); err == nil {
		t.Error("a value of a dropped key still opens")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestParseErrorsNeverShowKeys(t *testing.T) {
	secret := "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
	for _, spec := range []string{
		"enc k1 " + secret, // no mac key
		"enc k1 " + secret[:10] + "\nmac k1 " + secret, // short key
		"enc k1 " + secret + "\nmac k1 " + secret + "\nenc k1 " + secret,
		"xyz k1 " + secret,
		"enc bad/id " + secret + "\nmac k1 " + secret,
		"enc k1",
	} {
		_, err := vault.Parse(spec)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", spec)
			continue
		}
		if strings.Contains(err.Error(), secret[:10]) {
			t.Errorf("error shows the key: %v", err)
		}
	}
	v := mustVault(t, "# comment\nenc k1 "+secret+"; mac m1 "+secret)
	if s := v.String(); strings.Contains(s, secret[:10]) || !strings.Contains(s, "k1") {
		t.Errorf("String() = %q", s)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	// First start without configuration: a development key file is made.
	v1, o, err := vault.Load(getenv, dir)
	if err != nil || o.Source != "generated" || !o.Created {
		t.Fatalf("Load = %v, %+v", err, o)
	}
	st, err := os.Stat(filepath.Join(dir, vault.DevKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v mode %v", err, st.Mode())
	}
	sealed, _ := v1.Seal("id_number", "x")
	// The next start reads it.
	v2, o, err := vault.Load(getenv, dir)
	if err != nil || o.Created {
		t.Fatalf("second Load = %v, %+v", err, o)
	}
	if got, _ := v2.Open("id_number", sealed); got != "x" {
		t.Error("the second start does not open the first start's value")
	}

	spec, _ := vault.Generate("prod")
	env[vault.EnvKey] = spec
	if v, o, err := vault.Load(getenv, dir); err != nil || o.Source != "env" || v.KeyIDs("enc")[0] != "prod" {
		t.Fatalf("from env: %v %+v", err, o)
	}
	path := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(path, []byte(spec), 0o600)
	env[vault.EnvKeyFile] = path
	if _, _, err := vault.Load(getenv, dir); err == nil {
		t.Error("both variables set: no error")
	}
	delete(env, vault.EnvKey)
	if _, o, err := vault.Load(getenv, dir); err != nil || o.Source != "file" {
		t.Fatalf("from file: %v %+v", err, o)
	}
	env[vault.EnvKeyFile] = filepath.Join(dir, "missing")
	if _, _, err := vault.Load(getenv, dir); err == nil {
		t.Error("missing key file: no error")
	}
}

// TestLoadConcurrent starts several nodes on one data directory at once:
// they all end up with the same keys.
func TestLoadConcurrent(t *testing.T) {
	dir := t.TempDir()
	getenv := func(string) string { return "" }
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := vault.Load(getenv, dir)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = v.Hash("x", "y")
		}()
	}
	wg.Wait()
	for _, h := range ids[1:] {
		if h != ids[0] {
			t.Fatal("nodes loaded different keys")
		}
	}
}

// FuzzOpen: no input makes Open panic, and nothing but a sealed value opens.
func FuzzOpen(f *testing.F) {
	spec, _ := vault.Generate("k1")
	v, _ := vault.Parse(spec)
	good, _ := v.Seal("f", "hello")
	for _, s := range []string{good, "", "k1.", "k1.AAAA", ".", "k1..", "x.y.z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := v.Open("f", s); err == nil && s != good && s != "" && got == "hello" {
			t.Errorf("forged value %q opened", s)
		}
	})
}

// TestHashVector pins the hash to HMAC-SHA-256 of field, a zero byte and
// value, first 16 bytes in hex: stored hashes are searched by it, so it
// must never change, however it is computed. Hashing other values in
// between, and from many goroutines, must not change it either.
func TestHashVector(t *testing.T) {
	secret := make([]byte, vault.KeySize)
	for i := range secret {
		secret[i] = byte(i + 1)
	}
	v := mustVault(t, key(t, "enc", "e1")+"\nmac m1 "+base64.StdEncoding.EncodeToString(secret))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("id_number\x00110101199003074477"))
	want := "m1." + hex.EncodeToString(mac.Sum(nil)[:16])
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				v.Hash("phone", fmt.Sprintf("1380000%04d", g*1000+i))
				if got := v.Hash("id_number", "110101199003074477"); got != want {
					t.Errorf("hash %s, want %s", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
