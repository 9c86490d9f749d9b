// Package auth signs users in: argon2id password hashes, opaque bearer tokens
// stored only as their SHA-256 hash with an expiry, and limits on failed
// logins that cannot be turned into a lock-out.
//
// Failures are counted per (username, address): after a few free ones each
// further attempt from that address for that username waits longer (1 s,
// 2 s, 4 s… up to MaxDelay). Each address also has a ceiling of failures
// across all usernames, high enough for a station's shared address. Nothing
// is counted per username alone, so guessing someone's password from one
// address never keeps them from signing in from theirs; a distributed guess
// against one account is bounded by every address's own limits and by the
// cost of argon2id.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"precinct"
)

// argon2id parameters: one pass over 64 MiB with two lanes, about 50 ms on
// the two-core machines Precinct is sized for.
const (
	argonTime    = 1
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// HashPassword returns an argon2id hash of pw in the PHC string format.
func HashPassword(pw string) (string, error) {
	if len([]rune(pw)) < MinPasswordLen {
		return "", precinct.FieldErrorf(precinct.EINVALID, "password", "密码至少需要 %d 个字符", "The password needs at least %d characters.", MinPasswordLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches a hash made by HashPassword.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// GeneratePassword returns a random password of 16 characters, drawn
// uniformly from an alphabet without look-alike characters (about 92 bits).
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	const limit = 256 - 256%len(alphabet) // bytes at or above it would bias the draw
	out := make([]byte, 0, 16)
	buf := make([]byte, 32)
	for len(out) < cap(out) {
		_, _ = rand.Read(buf)
		for _, c := range buf {
			if int(c) < limit && len(out) < cap(out) {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// decoyHash is checked when the username is unknown, so that a wrong
// username takes as long as a wrong password.
const decoyHash = "$argon2id$v=19$m=65536,t=1,p=2$vN2/lNBF8W7IoaQvThtwKA$DRLOdCeI42e9wE/0KvK8CC1CYxSFuc7MGv8ZVSM3D+8"

// Defaults of Service.
const (
	DefaultTokenTTL       = 12 * time.Hour
	DefaultMaxFailures    = 5
	DefaultFailWindow     = 15 * time.Minute
	DefaultAddressCeiling = 100
	DefaultMaxDelay       = 15 * time.Minute
	authCacheTTL          = 5 * time.Second
	maxTracked            = 10000 // (username, address) pairs and addresses with recent failures, before a sweep
)

// Service signs users in and authenticates their tokens.
type Service struct {
	Users precinct.UserStore
	Clock precinct.Clock
	// TokenTTL is how long a token lives (default 12 h).
	TokenTTL time.Duration
	// MaxFailures failed logins for one username from one address within
	// FailWindow are free; after them each attempt of that pair waits a
	// delay that doubles from one second up to MaxDelay.
	MaxFailures int
	FailWindow  time.Duration
	MaxDelay    time.Duration
	// AddressCeiling failed logins from one address within FailWindow,
	// whatever the usernames, refuse further attempts from it until the
	// oldest leaves the window.
	AddressCeiling int
	// Revocations, if set, tells the other nodes of a cluster about each
	// logout, so that they forget the session at once rather than when
	// their caches expire (Forget is what they call).
	Revocations Revocations

	mu       sync.Mutex
	failures map[string][]time.Time // "pair:<user>\x00<addr>" or "addr:<addr>" → failure times, oldest first
	cache    map[string]cachedUser  // token hash → user
}

// Revocations carries ended sessions to the other nodes.
type Revocations interface {
	PublishRevoked(ctx context.Context, tokenHash string) error
}

type cachedUser struct {
	user    *precinct.User
	expires time.Time // of the cache entry
	session time.Time // of the session
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// errBadLogin is the one answer to a wrong username or password.
func errBadLogin() error {
	return precinct.Errorf(precinct.EUNAUTHORIZED, "用户名或密码错误", "Wrong username or password.")
}

// Login checks a username and password and returns a new bearer token.
// A wrong username and a wrong password give the same EUNAUTHORIZED after
// the same work; too many failures for the username from the address, or
// from the address at all, give ETOOMANY with a retry hint
// (Data["retry_after_s"]). A user without a jurisdiction (only an
// administrator may have none) is refused with EFORBIDDEN.
func (s *Service) Login(ctx context.Context, username, password, addr string) (string, time.Time, *precinct.User, error) {
	now := s.now()
	// The attempt counts as a failure until it succeeds, so that parallel
	// guesses cannot slip past the limit while their hashes are computed.
	if err := s.reserve(now, username, addr); err != nil {
		return "", time.Time{}, nil, err
	}
	u, err := s.Users.FindUserByUsername(ctx, username)
	if err != nil && precinct.ErrorCode(err) != precinct.ENOTFOUND {
		return "", time.Time{}, nil, err
	}
	pwHash := decoyHash
	if u != nil {
		pwHash = u.PasswordHash
	}
	if !CheckPassword(pwHash, password) || u == nil || u.Disabled {
		return "", time.Time{}, nil, errBadLogin()
	}
	if err := u.Validate(); err != nil {
		s.succeeded(now, username, addr) // the password was right: not a guess
		return "", time.Time{}, nil, precinct.Errorf(precinct.EFORBIDDEN, "账号没有辖区，不能登录，请联系管理员", "The account has no jurisdiction and cannot sign in; ask an administrator.")
	}
	token, hash := newToken()
	ttl := s.TokenTTL
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	expires := now.Add(ttl)
	if err := s.Users.CreateSession(ctx, &precinct.Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return "", time.Time{}, nil, err
	}
	s.succeeded(now, username, addr)
	return token, expires, u, nil
}

// Authenticate returns the user of a valid token; EUNAUTHORIZED otherwise.
func (s *Service) Authenticate(ctx context.Context, token string) (*precinct.User, error) {
	unauthorized := func() error {
		return precinct.Errorf(precinct.EUNAUTHORIZED, "未登录或登录已过期", "Not signed in, or the session has expired.")
	}
	if token == "" {
		return nil, unauthorized()
	}
	now := s.now()
	// The cache is read with the hash in a buffer of the stack: a request
	// whose session is cached allocates no string for it.
	var buf [2 * sha256.Size]byte
	s.mu.Lock()
	c, ok := s.cache[string(appendTokenHash(buf[:0], token))]
	s.mu.Unlock()
	if ok && now.Before(c.expires) && now.Before(c.session) {
		return c.user, nil
	}
	hash := string(buf[:])
	sess, err := s.Users.FindSession(ctx, hash)
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return nil, unauthorized()
	} else if err != nil {
		return nil, err
	}
	if !now.Before(sess.ExpiresAt) {
		_ = s.Users.DeleteSession(ctx, hash)
		return nil, unauthorized()
	}
	u, err := s.Users.FindUser(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return nil, unauthorized()
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]cachedUser{}
	}
	if len(s.cache) > 10000 {
		clear(s.cache)
	}
	s.cache[hash] = cachedUser{user: u, expires: now.Add(authCacheTTL), session: sess.ExpiresAt}
	s.mu.Unlock()
	return u, nil
}

// Logout ends the session of a token: at once on this node and, with
// Revocations, on the others.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := hashToken(token)
	s.Forget(hash)
	if err := s.Users.DeleteSession(ctx, hash); err != nil {
		return err
	}
	if s.Revocations != nil {
		return s.Revocations.PublishRevoked(ctx, hash)
	}
	return nil
}

// Forget drops the cached session of a token hash, so that the next request
// with the token reads the session store.
func (s *Service) Forget(tokenHash string) {
	s.mu.Lock()
	delete(s.cache, tokenHash)
	s.mu.Unlock()
}

// reserve returns ETOOMANY while the (username, address) pair must wait or
// the address is over its ceiling, and otherwise records the attempt as a
// failure of both.
func (s *Service) reserve(now time.Time, username, addr string) error {
	free, window, maxDelay, ceiling := s.limits()
	pair, host := pairKey(username, addr), "addr:"+addr
	s.mu.Lock()
	defer s.mu.Unlock()
	if recent := s.recent(host, now, window); len(recent) >= ceiling {
		return tooMany(recent[0].Add(window).Sub(now))
	}
	if recent := s.recent(pair, now, window); len(recent) >= free {
		delay := maxDelay
		if n := len(recent) - free; n < 30 {
			delay = min(time.Second<<n, maxDelay)
		}
		if wait := recent[len(recent)-1].Add(delay).Sub(now); wait > 0 {
			return tooMany(wait)
		}
	}
	if s.failures == nil {
		s.failures = map[string][]time.Time{}
	}
	if len(s.failures) > maxTracked {
		// Many different names or addresses: drop the ones whose failures
		// have all left the window, so guessing cannot grow memory forever.
		for key := range s.failures {
			s.recent(key, now, window)
		}
	}
	s.failures[pair] = append(s.failures[pair], now)
	s.failures[host] = append(s.failures[host], now)
	return nil
}

func pairKey(username, addr string) string { return "pair:" + username + "\x00" + addr }

// tooMany is ETOOMANY with the wait, rounded up to a second, as a hint.
func tooMany(wait time.Duration) error {
	wait = max(wait, time.Second).Truncate(time.Second) + time.Second*time.Duration(min(1, wait%time.Second))
	e := precinct.Errorf(precinct.ETOOMANY, "登录失败次数过多，请 %v 后再试", "Too many failed logins; try again in %v.", wait)
	e.Data = map[string]string{"retry_after_s": fmt.Sprint(int(wait.Seconds()))}
	return e
}

// succeeded forgets the pair's failures and takes back the attempt reserve
// counted against the address.
func (s *Service) succeeded(now time.Time, username, addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, pairKey(username, addr))
	key := "addr:" + addr
	fs := s.failures[key]
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Equal(now) {
			s.failures[key] = append(fs[:i:i], fs[i+1:]...)
			break
		}
	}
	if len(s.failures[key]) == 0 {
		delete(s.failures, key)
	}
}

// recent returns the failures of key inside the window; s.mu is held.
func (s *Service) recent(key string, now time.Time, window time.Duration) []time.Time {
	fs := s.failures[key]
	i := 0
	for i < len(fs) && !fs[i].After(now.Add(-window)) {
		i++
	}
	if i == len(fs) {
		delete(s.failures, key)
		return nil
	}
	s.failures[key] = fs[i:]
	return fs[i:]
}

func (s *Service) limits() (free int, window, maxDelay time.Duration, ceiling int) {
	free, window, maxDelay, ceiling = s.MaxFailures, s.FailWindow, s.MaxDelay, s.AddressCeiling
	if free <= 0 {
		free = DefaultMaxFailures
	}
	if window <= 0 {
		window = DefaultFailWindow
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	if ceiling <= 0 {
		ceiling = DefaultAddressCeiling
	}
	return free, window, maxDelay, ceiling
}

// newToken returns a random token and its hash.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	var buf [2 * sha256.Size]byte
	return string(appendTokenHash(buf[:0], token))
}

// appendTokenHash appends the hex SHA-256 of token to dst.
func appendTokenHash(dst []byte, token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return hex.AppendEncode(dst, sum[:])
}
