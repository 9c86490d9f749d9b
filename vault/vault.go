// Package vault seals personal data at rest and hashes it for search.
//
// A Vault holds two key rings: encryption keys (AES-256-GCM) and hashing keys
// (HMAC-SHA-256). The first key of each ring is current: Seal and Hash use it.
// Every sealed value and every hash names the key that made it, so values
// sealed under an older key still open after a rotation, and a search looks a
// value up under every hashing key of the ring (Hashes). Rotating is adding a
// new key in front, restarting, re-sealing the stored rows (Reseal tells what
// needs it) and finally dropping the old key; see docs/vault.md.
//
// Keys are never logged or printed by this package; Vault's String hides them.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// KeySize is the size of every key: 32 bytes (AES-256, and the HMAC key).
const KeySize = 32

// Kinds of key in a key specification.
const (
	KindEncrypt = "enc" // AES-256-GCM
	KindHash    = "mac" // HMAC-SHA-256
)

type key struct {
	id     string
	secret []byte
	aead   cipher.AEAD // encryption keys only
	// macs holds HMACs keyed with secret, hashing keys only: keying one
	// costs two SHA-256 states and their pads (about 1 KB), and an import
	// hashes two values a row.
	macs *sync.Pool
}

// Vault seals and hashes personal data. It is safe for concurrent use.
type Vault struct {
	enc []key
	mac []key
}

// String describes the vault by its key IDs, never by its keys.
func (v *Vault) String() string {
	return fmt.Sprintf("vault(enc=%s mac=%s)", strings.Join(v.KeyIDs(KindEncrypt), ","), strings.Join(v.KeyIDs(KindHash), ","))
}

// KeyIDs returns the IDs of one ring, current first.
func (v *Vault) KeyIDs(kind string) []string {
	ring := v.enc
	if kind == KindHash {
		ring = v.mac
	}
	ids := make([]string, len(ring))
	for i, k := range ring {
		ids[i] = k.id
	}
	return ids
}

// Parse reads a key specification: one key per line (or per ";"), each
// "enc ID BASE64" or "mac ID BASE64" with 32 bytes of standard base64, the
// first of each kind current. Blank lines and lines starting with # are
// ignored. IDs are 1–16 letters, digits or dashes and unique within a ring.
// Errors never quote a key.
func Parse(spec string) (*Vault, error) {
	v := &Vault{}
	seen := map[string]bool{}
	lines := strings.FieldsFunc(spec, func(r rune) bool { return r == '\n' || r == ';' })
	for n, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("vault key %d: want \"enc|mac ID BASE64\"", n+1)
		}
		kind, id := f[0], f[1]
		if kind != KindEncrypt && kind != KindHash {
			return nil, fmt.Errorf("vault key %d: kind %q, want enc or mac", n+1, kind)
		}
		if !validID(id) {
			return nil, fmt.Errorf("vault key %d: ID %q: 1 to 16 letters, digits or dashes", n+1, id)
		}
		if seen[kind+" "+id] {
			return nil, fmt.Errorf("vault key %d: %s key %s appears twice", n+1, kind, id)
		}
		seen[kind+" "+id] = true
		secret, err := base64.StdEncoding.DecodeString(f[2])
		if err != nil || len(secret) != KeySize {
			return nil, fmt.Errorf("vault key %d (%s %s): want %d bytes in standard base64", n+1, kind, id, KeySize)
		}
		k := key{id: id, secret: secret}
		if kind == KindEncrypt {
			block, err := aes.NewCipher(secret)
			if err != nil {
				return nil, fmt.Errorf("vault key %s: %w", id, err)
			}
			if k.aead, err = cipher.NewGCM(block); err != nil {
				return nil, fmt.Errorf("vault key %s: %w", id, err)
			}
			v.enc = append(v.enc, k)
		} else {
			k.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}
			v.mac = append(v.mac, k)
		}
	}
	if len(v.enc) == 0 || len(v.mac) == 0 {
		return nil, errors.New("vault: the key specification needs at least one enc key and one mac key")
	}
	return v, nil
}

func validID(id string) bool {
	if id == "" || len(id) > 16 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// NewKey returns one line of a key specification with a fresh random key of
// the given kind and ID.
func NewKey(kind, id string) (string, error) {
	if kind != KindEncrypt && kind != KindHash {
		return "", fmt.Errorf("vault: kind %q, want enc or mac", kind)
	}
	if !validID(id) {
		return "", fmt.Errorf("vault: key ID %q: 1 to 16 letters, digits or dashes", id)
	}
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return kind + " " + id + " " + base64.StdEncoding.EncodeToString(b), nil
}

// Generate returns a new key specification with one key of each kind.
func Generate(id string) (string, error) {
	enc, err := NewKey(KindEncrypt, id)
	if err != nil {
		return "", err
	}
	mac, err := NewKey(KindHash, id)
	if err != nil {
		return "", err
	}
	return "# Precinct vault keys: the first key of each kind is current.\n" + enc + "\n" + mac + "\n", nil
}

// Seal encrypts plain for the named field (the field is authenticated, so a
// value sealed for one field does not open as another). The empty string
// seals to the empty string.
func (v *Vault) Seal(field, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	k := v.enc[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(field))
	return k.id + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// ErrOpen is returned for a value that does not open: unknown key, damaged
// or sealed for another field.
var ErrOpen = errors.New("vault: sealed value does not open")

// Open decrypts a value sealed for field by any key of the ring.
func (v *Vault) Open(field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, body, ok := strings.Cut(sealed, ".")
	if !ok {
		return "", ErrOpen
	}
	for _, k := range v.enc {
		if k.id != id {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(body)
		if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
			return "", ErrOpen
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(field))
		if err != nil {
			return "", ErrOpen
		}
		return string(plain), nil
	}
	return "", fmt.Errorf("%w: key %q is not in the ring", ErrOpen, id)
}

// Hash returns the keyed hash of a value of the named field under the
// current hashing key: "ID.HEX" (128 bits). The empty value hashes to "".
// Callers normalise the value first (see registry's validators).
func (v *Vault) Hash(field, value string) string {
	if value == "" {
		return ""
	}
	return hashWith(v.mac[0], field, value)
}

// Hashes returns the hash of a value under every hashing key, current first,
// so that a search finds rows hashed before a rotation.
func (v *Vault) Hashes(field, value string) []string {
	if value == "" {
		return nil
	}
	out := make([]string, len(v.mac))
	for i, k := range v.mac {
		out[i] = hashWith(k, field, value)
	}
	return out
}

// hashWith is the HMAC-SHA-256 of field, a zero byte and value under k,
// its first 16 bytes in hex after the key's ID.
func hashWith(k key, field, value string) string {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(value))
	var sum [sha256.Size]byte
	b := m.Sum(sum[:0])
	k.macs.Put(m)
	return k.id + "." + hex.EncodeToString(b[:16])
}

// Current reports whether a sealed value and its hash were made with the
// current keys (no reseal needed).
func (v *Vault) Current(sealed, hash string) bool {
	return (sealed == "" || strings.HasPrefix(sealed, v.enc[0].id+".")) &&
		(hash == "" || strings.HasPrefix(hash, v.mac[0].id+"."))
}

// Reseal opens a value sealed for field and seals it again with the current
// keys, returning the new sealed value and hash. It is for the rotation job.
func (v *Vault) Reseal(field, sealed string) (newSealed, newHash string, err error) {
	plain, err := v.Open(field, sealed)
	if err != nil {
		return "", "", err
	}
	if newSealed, err = v.Seal(field, plain); err != nil {
		return "", "", err
	}
	return newSealed, v.Hash(field, plain), nil
}
